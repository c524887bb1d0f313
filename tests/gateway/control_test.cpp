// Control messages: the strict parser and the replies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ringside/gateway/control.hpp"

namespace ringside::gateway {
namespace {

TEST(Control, ParsesASubscribe) {
  const auto p = parse_control(R"({"id":1,"op":"subscribe","channels":["TradeExecuted","book"],"symbols":["AAPL"]})");
  ASSERT_FALSE(p.error) << p.error->message;
  EXPECT_EQ(p.request.id, "1");
  EXPECT_EQ(p.request.op, ControlOp::Subscribe);
  EXPECT_EQ(*p.request.channels, (std::vector<std::string>{"TradeExecuted", "book"}));
  EXPECT_EQ(*p.request.symbols, (std::vector<std::string>{"AAPL"}));
}

TEST(Control, EchoesStringAndNumberIdsVerbatim) {
  EXPECT_EQ(parse_control(R"({"id":"req-\"7\"","op":"ping"})").request.id, R"("req-\"7\"")");
  EXPECT_EQ(parse_control(R"( { "op" : "list" , "id" : -12.5e3 } )").request.id, "-12.5e3");
  EXPECT_EQ(parse_control(R"({"op":"ping"})").request.id, "");
  EXPECT_EQ(control_ok(""), R"({"id":null,"ok":true})");
  EXPECT_EQ(control_ok(R"("a")"), R"({"id":"a","ok":true})");
}

TEST(Control, RefusesWhatIsNotAControlMessage) {
  struct Case {
    const char* text;
    const char* code;
  } cases[] = {
      {"", "invalid_json"},
      {"{", "invalid_json"},
      {R"({"op":"subscribe",})", "invalid_json"},
      {R"({"op":"ping"} x)", "invalid_json"},
      {R"({"op":"ping","op":"list"})", "invalid_json"},
      {"[1,2]", "bad_request"},
      {R"("subscribe")", "bad_request"},
      {R"({"id":{},"op":"ping"})", "bad_request"},
      {R"({"id":1})", "bad_request"},
      {R"({"id":1,"op":7})", "bad_request"},
      {R"({"id":1,"op":"subscribe"})", "bad_request"},
      {R"({"id":1,"op":"subscribe","channels":"book"})", "bad_request"},
      {R"({"id":1,"op":"subscribe","channels":["book",3]})", "bad_request"},
      {R"({"id":1,"op":"subscribe","channels":[],"extra":true})", "bad_request"},
      {R"({"id":1,"op":"dance"})", "unknown_op"},
      {R"({"op":"ping","id":"\ud800"})", "invalid_json"},
      {R"({"op":"ping","id":"tab	inside"})", "invalid_json"},
      {"[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", "invalid_json"},
  };
  for (const Case& c : cases) {
    const auto p = parse_control(c.text);
    ASSERT_TRUE(p.error) << c.text;
    EXPECT_EQ(p.error->code, c.code) << c.text << ": " << p.error->message;
  }
  // The id is echoed even when the rest is wrong, when it could be read.
  EXPECT_EQ(parse_control(R"({"id":5,"op":"dance"})").request.id, "5");
}

TEST(Control, DecodesEscapes) {
  const auto p = parse_control(R"({"op":"unsubscribe","symbols":["A\u0042C","\ud83d\ude00","x\/y"]})");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(*p.request.symbols, (std::vector<std::string>{"ABC", "\xf0\x9f\x98\x80", "x/y"}));
  EXPECT_FALSE(p.request.channels.has_value());
}

TEST(Control, ErrorRepliesAreValidJson) {
  const std::string reply = control_error("3", "unknown_channel", "unknown channel \"x\ty\"");
  const auto j = nlohmann::json::parse(reply);
  EXPECT_EQ(j["id"], 3);
  EXPECT_EQ(j["error"]["code"], "unknown_channel");
  EXPECT_EQ(j["error"]["message"], "unknown channel \"x\ty\"");
}

}  // namespace
}  // namespace ringside::gateway
