// Typed reads of one TOML document's fields for the processes' config files
// (gateway, egress): every refusal is a ConfigError naming the file, the line
// and the field, and unknown keys are refused rather than silently ignored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "ringside/core/config.hpp"  // ConfigError, DataQualityConfig

namespace ringside {

// Parses a document, or throws ConfigError at the line of the syntax error.
toml::table parse_toml(std::string_view text, std::string_view source_name);
// Reads the file and parses it; an unreadable file is a ConfigError at line 0.
std::string read_config_file(const std::filesystem::path& file);

class TomlFields {
 public:
  explicit TomlFields(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(std::uint32_t line, std::string problem) const;
  [[noreturn]] void fail(const toml::node& node, std::string problem) const;
  static std::uint32_t line_of(const toml::node& node, std::uint32_t fallback = 1) noexcept;

  // Refuses the first key (in file order) that is not in `allowed`.
  void reject_unknown(const toml::table& t, std::string_view where, std::uint32_t at,
                      std::initializer_list<std::string_view> allowed) const;

  const toml::table& table(const toml::node& node, std::string_view name) const;
  std::string string(const toml::node& node, std::string_view name) const;
  std::vector<std::string> strings(const toml::node& node, std::string_view name) const;
  bool boolean(const toml::node& node, std::string_view name) const;
  std::int64_t integer(const toml::node& node, std::string_view name, std::int64_t min, std::int64_t max) const;
  double number(const toml::node& node, std::string_view name, double min, double max) const;

  // The [data_quality] table of seeds/000 section 2.6 (enabled and the three
  // rates, which may not add up to more than 1), plus `seed` when the caller
  // passes somewhere to put it.
  DataQualityConfig data_quality(const toml::node& node, std::uint64_t* seed) const;

  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
};

}  // namespace ringside
