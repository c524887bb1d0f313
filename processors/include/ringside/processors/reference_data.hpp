// Reference data for the "enrich" job (seeds/003 2.5): per symbol its company
// name, sector, industry, market-cap tier and listing exchange, from a CSV file.
//
// The format (config/reference.csv is the shipped one, compiled in):
//   symbol,company_name,sector,industry,market_cap_tier,exchange
//   AAPL,Apple Inc.,Technology,Consumer Electronics,large,NASDAQ
// - the header names the six columns, in any order, each once; no others;
// - every row has as many fields as the header; a field may be quoted ("...",
//   "" for a quote) to hold commas; CRLF line ends and a UTF-8 BOM are accepted,
//   empty lines skipped;
// - every value is non-empty printable UTF-8 and fits its EnrichedTrade field
//   (company_name 63 bytes, sector 31, industry 47, market_cap_tier 15,
//   exchange 15; symbol 31); market_cap_tier is one of mega, large, mid, small,
//   micro (the config's market_cap_category words);
// - a symbol appears once; the file has at least one row.
// Anything else is refused with the file and line: a reference file that is
// half wrong would label trades wrongly without anyone noticing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ringside::processors {

struct ReferenceEntry {
  std::string symbol;
  std::string company_name;
  std::string sector;
  std::string industry;
  std::string market_cap_tier;
  std::string exchange;
  std::size_t line = 0;  // where it was defined
};

struct ReferenceData {
  std::string source;  // file name, or kEmbeddedReferenceName
  std::vector<ReferenceEntry> entries;

  // The entry for a ticker; nullptr when the file lacks it.
  const ReferenceEntry* find(std::string_view symbol) const noexcept;
};

// "FILE:LINE: what is wrong". An invalid_argument: a bad --reference is a bad
// command line (ringside-proc exits 2).
class ReferenceError : public std::invalid_argument {
 public:
  ReferenceError(std::string_view source, std::size_t line, std::string_view what);
};

inline constexpr std::size_t kMaxReferenceSymbolBytes = 31;
inline constexpr std::string_view kEmbeddedReferenceName = "<embedded config/reference.csv>";

// Parses CSV text; `source` names it in errors. Throws ReferenceError.
ReferenceData parse_reference_csv(std::string_view text, std::string_view source);
// Reads and parses a file. Throws ReferenceError (also for a file that cannot be read).
ReferenceData load_reference_file(const std::filesystem::path& file);
// config/reference.csv as it was at build time, and parsed.
std::string_view embedded_reference_csv() noexcept;
ReferenceData embedded_reference_data();

}  // namespace ringside::processors
