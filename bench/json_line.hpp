// The one line of JSON every subcommand ends with: a tiny builder, enough for
// numbers, booleans, strings, nested objects and arrays. Non-finite numbers
// become null, so the line always parses.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <concepts>
#include <string>
#include <vector>
#include <string_view>

namespace ringside::bench {

inline std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

inline std::string json_number(double v, int decimals = 1) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : std::string("null");
}

class JsonArray;

class JsonObject {
 public:
  JsonObject& raw(std::string_view key, std::string_view json) {
    body_ += body_.empty() ? "" : ",";
    body_ += json_quote(key);
    body_ += ':';
    body_ += json;
    return *this;
  }
  JsonObject& num(std::string_view key, double v, int decimals = 1) { return raw(key, json_number(v, decimals)); }
  template <std::integral T>
  JsonObject& integer(std::string_view key, T v) {
    return raw(key, fmt::format("{}", v));
  }
  JsonObject& boolean(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  JsonObject& str(std::string_view key, std::string_view v) { return raw(key, json_quote(v)); }
  JsonObject& object(std::string_view key, const JsonObject& v) { return raw(key, v.text()); }
  JsonObject& array(std::string_view key, const JsonArray& v);
  // An array of strings, e.g. a run's failures.
  JsonObject& strings(std::string_view key, const std::vector<std::string>& v) {
    std::string list;
    for (const std::string& item : v) list += (list.empty() ? "" : ",") + json_quote(item);
    return raw(key, "[" + list + "]");
  }
  std::string text() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

class JsonArray {
 public:
  JsonArray& raw(std::string_view json) {
    body_ += body_.empty() ? "" : ",";
    body_ += json;
    return *this;
  }
  JsonArray& object(const JsonObject& v) { return raw(v.text()); }
  JsonArray& num(double v, int decimals = 1) { return raw(json_number(v, decimals)); }
  std::string text() const { return "[" + body_ + "]"; }

 private:
  std::string body_;
};

inline JsonObject& JsonObject::array(std::string_view key, const JsonArray& v) { return raw(key, v.text()); }

// A bad option value: the message on stderr, and still a last line of JSON on
// stdout ({"bench":..., "error":...}) for scripts. Returns the exit status, 2.
inline int usage_error(std::string_view bench, std::string_view message) {
  fmt::print(stderr, "{}: {}\n", bench, message);
  JsonObject o;
  o.str("bench", bench).str("error", message);
  fmt::print("{}\n", o.text());
  return 2;
}

}  // namespace ringside::bench
