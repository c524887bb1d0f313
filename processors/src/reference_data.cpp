#include "ringside/processors/reference_data.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "ringside/core/events.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/instrument.hpp"

namespace ringside::processors {
namespace {

enum Column : std::size_t { kSymbol, kCompany, kSector, kIndustry, kTier, kExchange, kColumns };
constexpr std::array<std::string_view, kColumns> kColumnNames = {"symbol",   "company_name",    "sector",
                                                                 "industry", "market_cap_tier", "exchange"};
// Largest text each column may hold: its EnrichedTrade field less the NUL.
constexpr std::array<std::size_t, kColumns> kMaxBytes = {kMaxReferenceSymbolBytes, kCompanyNameBytes - 1,
                                                         kSectorBytes - 1,        kIndustryBytes - 1,
                                                         kMarketCapTierBytes - 1, kListedExchangeBytes - 1};

std::string column_list() {
  std::string out;
  for (const std::string_view c : kColumnNames) {
    if (!out.empty()) out.push_back(',');
    out.append(c);
  }
  return out;
}

// One CSV line into fields; false (with `error`) for a stray or unclosed quote.
bool split_fields(std::string_view line, std::vector<std::string>& fields, std::string& error) {
  fields.clear();
  std::size_t i = 0;
  for (;;) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) {
          error = "a quoted field is not closed on its line";
          return false;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') {
        error = "text after a quoted field's closing quote";
        return false;
      }
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') {
          error = "a quote inside an unquoted field (quote the whole field, \"\" for a quote)";
          return false;
        }
        field += line[i++];
      }
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

}  // namespace

ReferenceError::ReferenceError(std::string_view source, std::size_t line, std::string_view what)
    : std::invalid_argument(fmt::format("{}:{}: {}", source, line, what)) {}

const ReferenceEntry* ReferenceData::find(std::string_view symbol) const noexcept {
  for (const ReferenceEntry& e : entries) {
    if (e.symbol == symbol) return &e;
  }
  return nullptr;
}

ReferenceData parse_reference_csv(std::string_view text, std::string_view source) {
  ReferenceData data;
  data.source = std::string(source);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  std::array<std::size_t, kColumns> position{};
  std::size_t header_fields = 0;
  bool have_header = false;
  std::unordered_map<std::string, std::size_t> first_line;  // symbol -> line
  std::vector<std::string> fields;
  std::string error;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (!split_fields(line, fields, error)) throw ReferenceError(source, line_no, error);

    if (!have_header) {
      position.fill(SIZE_MAX);
      for (std::size_t f = 0; f < fields.size(); ++f) {
        std::size_t c = 0;
        while (c < kColumns && kColumnNames[c] != fields[f]) ++c;
        if (c == kColumns) {
          throw ReferenceError(source, line_no,
                               fmt::format("unknown column '{}' (the header is {})", fields[f], column_list()));
        }
        if (position[c] != SIZE_MAX) {
          throw ReferenceError(source, line_no, fmt::format("column '{}' appears twice", fields[f]));
        }
        position[c] = f;
      }
      for (std::size_t c = 0; c < kColumns; ++c) {
        if (position[c] == SIZE_MAX) {
          throw ReferenceError(source, line_no,
                               fmt::format("missing column '{}' (the header is {})", kColumnNames[c], column_list()));
        }
      }
      header_fields = fields.size();
      have_header = true;
      continue;
    }

    if (fields.size() != header_fields) {
      throw ReferenceError(source, line_no,
                           fmt::format("{} fields, the header has {}", fields.size(), header_fields));
    }
    std::array<std::string, kColumns> values;
    for (std::size_t c = 0; c < kColumns; ++c) {
      std::string& v = values[c];
      v = std::move(fields[position[c]]);
      const std::string_view name = kColumnNames[c];
      if (v.empty()) throw ReferenceError(source, line_no, fmt::format("{} is empty", name));
      if (v.size() > kMaxBytes[c]) {
        throw ReferenceError(source, line_no,
                             fmt::format("{} is {} bytes, at most {} fit", name, v.size(), kMaxBytes[c]));
      }
      if (!printable_utf8(v)) {
        throw ReferenceError(source, line_no,
                             fmt::format("{} is not printable UTF-8 (control characters or bad bytes)", name));
      }
    }
    if (values[kSymbol].find_first_of(" \t") != std::string::npos) {
      throw ReferenceError(source, line_no, fmt::format("symbol '{}' has a blank", values[kSymbol]));
    }
    MarketCap tier{};
    if (!parse_market_cap(values[kTier], tier)) {
      throw ReferenceError(source, line_no,
                           fmt::format("market_cap_tier '{}' is not one of mega, large, mid, small, micro",
                                       values[kTier]));
    }
    const auto [it, fresh] = first_line.emplace(values[kSymbol], line_no);
    if (!fresh) {
      throw ReferenceError(source, line_no,
                           fmt::format("symbol '{}' again (first on line {})", values[kSymbol], it->second));
    }
    data.entries.push_back(ReferenceEntry{std::move(values[kSymbol]), std::move(values[kCompany]),
                                          std::move(values[kSector]), std::move(values[kIndustry]),
                                          std::move(values[kTier]), std::move(values[kExchange]), line_no});
  }
  if (!have_header) throw ReferenceError(source, line_no == 0 ? 1 : line_no, "no header (the file is empty)");
  if (data.entries.empty()) throw ReferenceError(source, line_no, "a header but no symbols");
  return data;
}

ReferenceData load_reference_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument(fmt::format("{}: cannot read: {}", file.string(), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::invalid_argument(fmt::format("{}: cannot read", file.string()));
  return parse_reference_csv(text.str(), file.string());
}

ReferenceData embedded_reference_data() {
  return parse_reference_csv(embedded_reference_csv(), kEmbeddedReferenceName);
}

}  // namespace ringside::processors
