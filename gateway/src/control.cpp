#include "ringside/gateway/control.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <utility>

#include "ringside/gateway/json_text.hpp"

namespace ringside::gateway {
namespace {

// A parsed JSON value; only what control messages need.
struct Member;
struct Value {
  enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
  std::string_view raw;                        // the value's text in the message
  std::string string;                          // decoded, for strings
  std::vector<Value> items;                    // arrays
  // Objects, in order. Not std::pair<std::string, Value>: a pair of an incomplete
  // type is instantiated too early for clang with libstdc++ (the fuzz build).
  std::vector<Member> members;

  const Value* member(std::string_view key) const;
};
struct Member {
  std::string first;
  Value second;
};
const Value* Value::member(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  // Throws ControlError-like failures as std::pair via error_.
  bool parse(Value& out) {
    skip_space();
    if (!value(out, 0)) return false;
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the JSON value");
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  static constexpr int kMaxDepth = 8;

  bool fail(std::string what) {
    if (error_.empty()) error_ = fmt::format("offset {}: {}", pos_, what);
    return false;
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool value(Value& out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (pos_ >= text_.size()) return fail("unexpected end of input");
    const std::size_t start = pos_;
    bool ok = false;
    switch (text_[pos_]) {
      case '{': ok = object(out, depth); break;
      case '[': ok = array(out, depth); break;
      case '"': out.type = Value::Type::String; ok = string(out.string); break;
      case 't': out.type = Value::Type::Bool; ok = literal("true"); break;
      case 'f': out.type = Value::Type::Bool; ok = literal("false"); break;
      case 'n': out.type = Value::Type::Null; ok = literal("null"); break;
      default: out.type = Value::Type::Number; ok = number(); break;
    }
    out.raw = text_.substr(start, pos_ - start);
    return ok;
  }

  bool object(Value& out, int depth) {
    out.type = Value::Type::Object;
    ++pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a member name");
      std::string key;
      if (!string(key)) return false;
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skip_space();
      Value v;
      if (!value(v, depth + 1)) return false;
      for (const auto& m : out.members) {
        if (m.first == key) return fail(fmt::format("duplicate member \"{}\"", key));
      }
      out.members.push_back(Member{std::move(key), std::move(v)});
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(Value& out, int depth) {
    out.type = Value::Type::Array;
    ++pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      Value v;
      if (!value(v, depth + 1)) return false;
      out.items.push_back(std::move(v));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool number() {
    const std::size_t start = pos_;
    auto digit = [&] { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; };
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (!digit()) return fail("invalid value");
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digit()) return fail("invalid number");
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digit()) return fail("invalid number");
      while (digit()) ++pos_;
    }
    return pos_ > start;
  }

  bool hex4(std::uint32_t& out) {
    if (pos_ + 4 > text_.size()) return fail("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') out |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') out |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') out |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return fail("invalid \\u escape");
    }
    return true;
  }

  static void utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= text_.size()) return fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return fail("unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff) {
            std::uint32_t low = 0;
            if (text_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate");
            pos_ += 2;
            if (!hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return fail("unpaired surrogate");
          }
          utf8(out, cp);
          break;
        }
        default: return fail("invalid escape");
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

ParsedControl error_result(ControlRequest request, std::string code, std::string message) {
  ParsedControl p;
  p.request = std::move(request);
  p.error = ControlError{std::move(code), std::move(message)};
  return p;
}

// An optional array of strings member; sets `error` on a wrong type.
bool string_list(const Value& root, std::string_view key, std::optional<std::vector<std::string>>& out,
                 std::string& error) {
  const Value* v = root.member(key);
  if (v == nullptr) return true;
  if (v->type != Value::Type::Array) {
    error = fmt::format("\"{}\" must be an array of strings", key);
    return false;
  }
  std::vector<std::string> list;
  for (const Value& item : v->items) {
    if (item.type != Value::Type::String) {
      error = fmt::format("\"{}\" must be an array of strings", key);
      return false;
    }
    list.push_back(item.string);
  }
  out = std::move(list);
  return true;
}

}  // namespace

ParsedControl parse_control(std::string_view text) {
  Value root;
  Parser parser(text);
  ControlRequest request;
  if (!parser.parse(root)) return error_result(request, "invalid_json", parser.error());
  if (root.type != Value::Type::Object) return error_result(request, "bad_request", "a control message is a JSON object");
  if (const Value* id = root.member("id")) {
    if (id->type != Value::Type::Number && id->type != Value::Type::String) {
      return error_result(request, "bad_request", "\"id\" must be a number or a string");
    }
    request.id = std::string(id->raw);
  }
  for (const auto& [key, value] : root.members) {
    if (key != "id" && key != "op" && key != "channels" && key != "symbols") {
      return error_result(request, "bad_request", fmt::format("unknown member \"{}\"", key));
    }
  }
  const Value* op = root.member("op");
  if (op == nullptr || op->type != Value::Type::String) {
    return error_result(request, "bad_request", "\"op\" (a string) is required");
  }
  if (op->string == "subscribe") {
    request.op = ControlOp::Subscribe;
  } else if (op->string == "unsubscribe") {
    request.op = ControlOp::Unsubscribe;
  } else if (op->string == "list") {
    request.op = ControlOp::List;
  } else if (op->string == "ping") {
    request.op = ControlOp::Ping;
  } else {
    return error_result(request, "unknown_op",
                        fmt::format("unknown op \"{}\" (subscribe, unsubscribe, list, ping)", op->string));
  }
  std::string error;
  if (!string_list(root, "channels", request.channels, error) || !string_list(root, "symbols", request.symbols, error)) {
    return error_result(request, "bad_request", error);
  }
  if (request.op == ControlOp::Subscribe && !request.channels) {
    return error_result(request, "bad_request", "subscribe needs \"channels\"");
  }
  ParsedControl p;
  p.request = std::move(request);
  return p;
}

std::string control_ok(std::string_view id) {
  std::string out = "{\"id\":";
  out += id.empty() ? "null" : id;
  out += ",\"ok\":true}";
  return out;
}

std::string control_error(std::string_view id, std::string_view code, std::string_view message) {
  std::string out = "{\"id\":";
  out += id.empty() ? "null" : id;
  out += ",\"error\":{\"code\":";
  append_quoted(out, code);
  out += ",\"message\":";
  append_quoted(out, message);
  out += "}}";
  return out;
}

}  // namespace ringside::gateway
