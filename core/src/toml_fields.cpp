#include "ringside/core/toml_fields.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ringside {

toml::table parse_toml(std::string_view text, std::string_view source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(std::string(source_name), std::max<std::uint32_t>(e.source().begin.line, 1),
                      std::string(e.description()));
  }
}

std::string read_config_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string(), 0, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::uint32_t TomlFields::line_of(const toml::node& node, std::uint32_t fallback) noexcept {
  const auto line = node.source().begin.line;
  return line != 0 ? line : fallback;
}

void TomlFields::fail(std::uint32_t line, std::string problem) const {
  throw ConfigError(file_, std::max<std::uint32_t>(line, 1), std::move(problem));
}

void TomlFields::fail(const toml::node& node, std::string problem) const { fail(line_of(node), std::move(problem)); }

void TomlFields::reject_unknown(const toml::table& t, std::string_view where, std::uint32_t at,
                                std::initializer_list<std::string_view> allowed) const {
  const toml::key* first = nullptr;
  for (auto&& [key, node] : t) {
    const bool known = std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end();
    if (!known && (first == nullptr || key.source().begin.line < first->source().begin.line)) first = &key;
  }
  if (first == nullptr) return;
  const auto line = first->source().begin.line;
  fail(line != 0 ? line : at,
       fmt::format("unknown key '{}' {} (allowed: {})", first->str(), where, fmt::join(allowed, ", ")));
}

const toml::table& TomlFields::table(const toml::node& node, std::string_view name) const {
  const auto* t = node.as_table();
  if (t == nullptr) fail(node, fmt::format("{}: expected a table", name));
  return *t;
}

std::string TomlFields::string(const toml::node& node, std::string_view name) const {
  const auto* s = node.as_string();
  if (s == nullptr) fail(node, fmt::format("{}: expected a string", name));
  return s->get();
}

std::vector<std::string> TomlFields::strings(const toml::node& node, std::string_view name) const {
  const auto* a = node.as_array();
  if (a == nullptr) fail(node, fmt::format("{}: expected an array of strings", name));
  std::vector<std::string> out;
  for (const toml::node& element : *a) {
    const auto* s = element.as_string();
    if (s == nullptr) fail(element.source().begin.line != 0 ? element : node, fmt::format("{}: expected strings", name));
    out.push_back(s->get());
  }
  return out;
}

bool TomlFields::boolean(const toml::node& node, std::string_view name) const {
  const auto* b = node.as_boolean();
  if (b == nullptr) fail(node, fmt::format("{}: expected a boolean", name));
  return b->get();
}

std::int64_t TomlFields::integer(const toml::node& node, std::string_view name, std::int64_t min,
                                 std::int64_t max) const {
  const auto* i = node.as_integer();
  if (i == nullptr) fail(node, fmt::format("{}: expected an integer", name));
  const std::int64_t v = i->get();
  if (v < min || v > max) fail(node, fmt::format("{}: {} is out of range (allowed {}..{})", name, v, min, max));
  return v;
}

double TomlFields::number(const toml::node& node, std::string_view name, double min, double max) const {
  double v = 0;
  if (const auto* i = node.as_integer()) {
    v = static_cast<double>(i->get());
  } else if (const auto* f = node.as_floating_point()) {
    v = f->get();
  } else {
    fail(node, fmt::format("{}: expected a number", name));
  }
  if (!std::isfinite(v) || v < min || v > max) {
    fail(node, fmt::format("{}: {} is out of range (allowed {}..{})", name, v, min, max));
  }
  return v;
}

DataQualityConfig TomlFields::data_quality(const toml::node& node, std::uint64_t* seed) const {
  const toml::table& t = table(node, "data_quality");
  if (seed != nullptr) {
    reject_unknown(t, "in [data_quality]", line_of(node),
                   {"enabled", "duplicate_rate", "out_of_order_rate", "missing_data_rate", "seed"});
  } else {
    reject_unknown(t, "in [data_quality]", line_of(node),
                   {"enabled", "duplicate_rate", "out_of_order_rate", "missing_data_rate"});
  }
  DataQualityConfig q;
  if (const auto* n = t.get("enabled")) q.enabled = boolean(*n, "data_quality.enabled");
  if (const auto* n = t.get("duplicate_rate")) q.duplicate_rate = number(*n, "data_quality.duplicate_rate", 0, 1);
  if (const auto* n = t.get("out_of_order_rate")) q.out_of_order_rate = number(*n, "data_quality.out_of_order_rate", 0, 1);
  if (const auto* n = t.get("missing_data_rate")) q.missing_data_rate = number(*n, "data_quality.missing_data_rate", 0, 1);
  if (q.duplicate_rate + q.out_of_order_rate + q.missing_data_rate > 1.0) {
    fail(node, "data_quality: the three rates add up to more than 1.0");
  }
  if (seed != nullptr) {
    if (const auto* n = t.get("seed")) *seed = static_cast<std::uint64_t>(integer(*n, "data_quality.seed", 0, INT64_MAX));
  }
  return q;
}

}  // namespace ringside
