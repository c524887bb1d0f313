// The exchange config: the shipped files load, and every class of mistake is
// refused with a ConfigError naming the file, the line and the key.
#include "ringside/core/config.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace ringside {
namespace {

const std::string kSourceDir = RINGSIDE_SOURCE_DIR;
constexpr std::string_view kInline = "inline.toml";

// The smallest valid config; tests edit one line of it at a time.
constexpr std::string_view kMinimal = R"([simulation]
tick_interval_ms = 100
snapshot_interval_ticks = 100
stats_interval_ticks = 100

[agents]
retail_traders = 1
institutional_investors = 1
market_makers = 1
hft_traders = 1
noise_traders = 1
informed_traders = 1

[[symbols]]
ticker = "AAPL"
name = "Apple Inc."
initial_price = 185.0
volatility = 0.25
market_cap_category = "large"
)";

// kMinimal with the first line starting with `prefix` replaced by `replacement`
// (which may span several lines, or be empty to delete the line).
std::string edit(std::string_view prefix, std::string_view replacement) {
  std::string text(kMinimal);
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = text.find('\n', begin);  // kMinimal ends with a newline
    if (std::string_view(text).substr(begin).starts_with(prefix)) {
      std::string lines(replacement);
      if (!lines.empty()) lines += '\n';
      text.replace(begin, end + 1 - begin, lines);
      return text;
    }
    begin = end + 1;
  }
  ADD_FAILURE() << "no line starts with " << prefix;
  return text;
}

// 1-based line of the n-th occurrence of `needle` in `text`.
std::uint32_t line_of(std::string_view text, std::string_view needle, int occurrence = 1) {
  std::size_t at = std::string_view::npos;
  for (int i = 0; i < occurrence; ++i) {
    at = text.find(needle, at == std::string_view::npos ? 0 : at + 1);
    if (at == std::string_view::npos) {
      ADD_FAILURE() << "'" << needle << "' not found";
      return 0;
    }
  }
  std::uint32_t line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n' ? 1u : 0u;
  return line;
}

ConfigError error_of(std::string_view text) {
  try {
    parse_exchange_config(text, kInline);
  } catch (const ConfigError& error) {
    return error;
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return ConfigError("", 0, "");
}

::testing::AssertionResult mentions(const ConfigError& error, std::string_view text) {
  if (error.problem().find(text) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << '"' << error.what() << "\" does not mention \"" << text << '"';
}

// Asserts the error is in inline.toml at the line holding `needle`, and its
// problem text mentions every one of `words`.
void expect_error(std::string_view text, std::string_view needle, std::initializer_list<std::string_view> words) {
  const ConfigError error = error_of(text);
  EXPECT_EQ(error.file(), kInline);
  EXPECT_EQ(error.line(), line_of(text, needle)) << error.what();
  for (const auto word : words) EXPECT_TRUE(mentions(error, word));
}

// ---- the shipped configs ----

TEST(ConfigShipped, DefaultTomlLoads) {
  const std::string path = kSourceDir + "/config/default.toml";
  const ExchangeConfig config = load_exchange_config(path);
  EXPECT_EQ(config.source, path);
  EXPECT_EQ(config.server.websocket_addr, "0.0.0.0");
  EXPECT_EQ(config.server.websocket_port, 8765);
  EXPECT_EQ(config.simulation.tick_interval_ms, 100u);
  EXPECT_EQ(config.simulation.snapshot_interval_ticks, 100u);
  EXPECT_EQ(config.simulation.stats_interval_ticks, 100u);
  EXPECT_EQ(config.simulation.snapshot_depth, 20u);  // not in the file: the default
  EXPECT_EQ(config.agents.retail_traders, 200u);
  EXPECT_EQ(config.agents.institutional_investors, 5u);
  EXPECT_EQ(config.agents.market_makers, 10u);
  EXPECT_EQ(config.agents.hft_traders, 15u);
  EXPECT_EQ(config.agents.noise_traders, 20u);
  EXPECT_EQ(config.agents.informed_traders, 8u);
  EXPECT_EQ(config.agents.total(), 258u);
  EXPECT_FALSE(config.data_quality.enabled);
  EXPECT_EQ(config.data_quality.duplicate_rate, 0.0);

  ASSERT_EQ(config.symbols.size(), 24u);
  const Instrument& aapl = config.symbols[SymbolId{0}];
  EXPECT_EQ(aapl.ticker, "AAPL");
  EXPECT_EQ(aapl.name, "Apple Inc.");
  EXPECT_EQ(aapl.sector, "Technology");
  EXPECT_EQ(aapl.market_cap, MarketCap::Large);
  EXPECT_EQ(aapl.scale, (PriceScale{1, 2}));
  EXPECT_EQ(aapl.initial_price, 18500);
  EXPECT_DOUBLE_EQ(aapl.volatility, 0.25);

  const Instrument* rivn = config.symbols.find("RIVN");
  ASSERT_NE(rivn, nullptr);
  EXPECT_EQ(rivn->id, SymbolId{23});
  EXPECT_EQ(rivn->sector, "Consumer");
  EXPECT_EQ(rivn->market_cap, MarketCap::Mid);
  EXPECT_EQ(rivn->initial_price, 1800);
  EXPECT_EQ(config.symbols.find("JPM")->sector, "Finance");
  EXPECT_EQ(config.symbols.find("PFE")->sector, "Healthcare");
  EXPECT_EQ(config.symbols.find("XOM")->sector, "Energy");
  for (const Instrument& in : config.symbols) {
    EXPECT_NE(in.sector, "Unknown") << in.ticker;
    EXPECT_EQ(in.scale, (PriceScale{1, 2})) << in.ticker;
  }
}

TEST(ConfigShipped, TestTomlLoads) {
  const ExchangeConfig config = load_exchange_config(kSourceDir + "/config/test.toml");
  EXPECT_EQ(config.simulation.tick_interval_ms, 50u);
  EXPECT_EQ(config.simulation.snapshot_interval_ticks, 20u);
  EXPECT_EQ(config.agents.total(), 33u);
  ASSERT_EQ(config.symbols.size(), 2u);
  EXPECT_EQ(config.symbols[SymbolId{0}].ticker, "AAPL");
  EXPECT_EQ(config.symbols[SymbolId{1}].ticker, "TSLA");
  EXPECT_EQ(config.symbols[SymbolId{1}].initial_price, 25000);
}

// ---- valid variations ----

TEST(ConfigValid, OptionalFieldsTakeTheirDefaults) {
  const ExchangeConfig config = parse_exchange_config(kMinimal, kInline);
  EXPECT_EQ(config.source, kInline);
  EXPECT_EQ(config.server.websocket_addr, "0.0.0.0");
  EXPECT_EQ(config.server.websocket_port, 8765);
  EXPECT_EQ(config.simulation.snapshot_depth, 20u);
  EXPECT_FALSE(config.data_quality.enabled);
  EXPECT_EQ(config.data_quality.missing_data_rate, 0.0);
  ASSERT_EQ(config.symbols.size(), 1u);
  EXPECT_EQ(config.symbols[SymbolId{0}].sector, "Unknown");
  EXPECT_EQ(config.symbols[SymbolId{0}].scale, (PriceScale{1, 2}));
}

TEST(ConfigValid, EverySectionAndKeyIsRead) {
  const std::string text = edit("[simulation]",
                                "[server]\nwebsocket_addr = \"127.0.0.1\"\nwebsocket_port = 9000\n\n"
                                "[data_quality]\nenabled = true\nduplicate_rate = 0.01\nout_of_order_rate = 0.02\n"
                                "missing_data_rate = 1\n\n[simulation]\nsnapshot_depth = 64");
  const ExchangeConfig config = parse_exchange_config(text, kInline);
  EXPECT_EQ(config.server.websocket_addr, "127.0.0.1");
  EXPECT_EQ(config.server.websocket_port, 9000);
  EXPECT_EQ(config.simulation.snapshot_depth, 64u);
  EXPECT_TRUE(config.data_quality.enabled);
  EXPECT_DOUBLE_EQ(config.data_quality.duplicate_rate, 0.01);
  EXPECT_DOUBLE_EQ(config.data_quality.out_of_order_rate, 0.02);
  EXPECT_DOUBLE_EQ(config.data_quality.missing_data_rate, 1.0);
}

TEST(ConfigValid, TickSizeBecomesAnExactScale) {
  const auto scale_of = [](std::string_view tick, std::string_view price) {
    const std::string text = edit("initial_price", "initial_price = " + std::string(price) + "\ntick_size = " +
                                                       std::string(tick));
    return parse_exchange_config(text, kInline).symbols[SymbolId{0}];
  };
  const Instrument nickel = scale_of("0.05", "185.05");
  EXPECT_EQ(nickel.scale, (PriceScale{5, 2}));
  EXPECT_EQ(nickel.initial_price, 3701);
  const Instrument basis = scale_of("0.0001", "185.0001");
  EXPECT_EQ(basis.scale, (PriceScale{1, 4}));
  EXPECT_EQ(basis.initial_price, 1850001);
  EXPECT_EQ(scale_of("1", "185").scale, (PriceScale{1, 0}));
  EXPECT_EQ(scale_of("0.000000001", "1").scale, (PriceScale{1, 9}));
}

TEST(ConfigValid, IntegerInitialPriceIsAccepted) {
  const ExchangeConfig config = parse_exchange_config(edit("initial_price", "initial_price = 185"), kInline);
  EXPECT_EQ(config.symbols[SymbolId{0}].initial_price, 18500);
}

TEST(ConfigValid, SymbolsKeepFileOrderAndIds) {
  std::string text(kMinimal);
  text += "\n[[symbols]]\nticker = \"BRK.B\"\nname = \"Berkshire\"\ninitial_price = 400\nvolatility = 0.2\n"
          "market_cap_category = \"mega\"\nsector = \"Finance\"\n";
  const ExchangeConfig config = parse_exchange_config(text, kInline);
  ASSERT_EQ(config.symbols.size(), 2u);
  EXPECT_EQ(config.symbols[SymbolId{1}].ticker, "BRK.B");
  EXPECT_EQ(config.symbols[SymbolId{1}].id, SymbolId{1});
  EXPECT_EQ(config.symbols[SymbolId{1}].market_cap, MarketCap::Mega);
}

// ---- unknown keys ----

TEST(ConfigUnknownKey, AtTopLevel) {
  const std::string text = "tick_rate = 5\n" + std::string(kMinimal);
  expect_error(text, "tick_rate", {"unknown key 'tick_rate'"});
}

TEST(ConfigUnknownKey, InSection) {
  const std::string text = edit("stats_interval_ticks", "stats_interval_ticks = 100\nfoo = 1");
  expect_error(text, "foo", {"unknown key 'foo' in [simulation]"});
}

TEST(ConfigUnknownKey, InSubtableOfSection) {
  const std::string text = edit("[agents]", "[simulation.extra]\nx = 1\n\n[agents]");
  expect_error(text, "[simulation.extra]", {"unknown key 'extra' in [simulation]"});
}

TEST(ConfigUnknownKey, InSymbol) {
  std::string text(kMinimal);
  text += "\n[[symbols]]\nticker = \"TSLA\"\nname = \"Tesla\"\ninitial_price = 250\nvolatility = 0.45\n"
          "market_cap_category = \"large\"\nvolatilty = 0.4\n";
  expect_error(text, "volatilty", {"unknown key 'volatilty' in symbols[1]"});
}

TEST(ConfigUnknownKey, FirstInFileOrderIsReported) {
  // toml++ iterates keys sorted; the report must still name the earliest line.
  const std::string text = edit("stats_interval_ticks", "stats_interval_ticks = 100\nzzz = 1\naaa = 2");
  expect_error(text, "zzz", {"'zzz'"});
}

// ---- missing fields ----

TEST(ConfigMissing, Section) {
  const std::string text = edit("[agents]", "[agentz]");
  const ConfigError error = error_of(text);
  // The unknown section is reported first, at its own line.
  EXPECT_EQ(error.line(), line_of(text, "[agentz]"));

  std::string no_agents(kMinimal);
  no_agents.erase(no_agents.find("[agents]"), no_agents.find("[[symbols]]") - no_agents.find("[agents]"));
  const ConfigError missing = error_of(no_agents);
  EXPECT_EQ(missing.line(), 1u);
  EXPECT_TRUE(mentions(missing, "[agents]"));
}

TEST(ConfigMissing, Symbols) {
  std::string text(kMinimal);
  text.erase(text.find("[[symbols]]"));
  const ConfigError error = error_of(text);
  EXPECT_EQ(error.line(), 1u);
  EXPECT_TRUE(mentions(error, "symbols"));

  const std::string empty = "symbols = []\n" + text;
  expect_error(empty, "symbols = []", {"symbols", "at least one"});
}

TEST(ConfigMissing, KeyInSimulation) {
  const std::string text = edit("snapshot_interval_ticks", "");
  expect_error(text, "[simulation]", {"'snapshot_interval_ticks'", "[simulation]"});
}

TEST(ConfigMissing, KeyInAgents) {
  const std::string text = edit("hft_traders", "");
  expect_error(text, "[agents]", {"'hft_traders'", "[agents]"});
}

TEST(ConfigMissing, KeyInSymbol) {
  const std::string text = edit("market_cap_category", "");
  expect_error(text, "[[symbols]]", {"'market_cap_category'", "symbols[0]"});
}

// ---- wrong types ----

TEST(ConfigWrongType, StringForNumber) {
  expect_error(edit("initial_price", "initial_price = \"185.0\""), "initial_price",
               {"symbols[0].initial_price", "expected a number, got string"});
}

TEST(ConfigWrongType, FloatForInteger) {
  expect_error(edit("tick_interval_ms", "tick_interval_ms = 100.0"), "tick_interval_ms",
               {"simulation.tick_interval_ms", "expected an integer, got floating-point"});
}

TEST(ConfigWrongType, TableForString) {
  expect_error(edit("name", "name = { first = \"Apple\" }"), "name =",
               {"symbols[0].name", "expected a string, got table"});
}

TEST(ConfigWrongType, ArrayForBool) {
  const std::string text = edit("[agents]", "[data_quality]\nenabled = [true]\n\n[agents]");
  expect_error(text, "enabled", {"data_quality.enabled", "expected a boolean, got array"});
}

TEST(ConfigWrongType, SectionThatIsNotATable) {
  std::string text(kMinimal);
  text.erase(text.find("[agents]"), text.find("[[symbols]]") - text.find("[agents]"));
  text = "agents = 5\n" + text;
  expect_error(text, "agents = 5", {"agents", "expected a table, got integer"});
}

TEST(ConfigWrongType, SymbolsThatIsNotAnArrayOfTables) {
  std::string text(kMinimal);
  text.replace(text.find("[[symbols]]"), 11, "[symbols]");
  expect_error(text, "[symbols]", {"symbols", "expected an array of tables, got table"});
}

// ---- duplicate ticker ----

TEST(ConfigDuplicate, TickerNamesTheFirstLine) {
  std::string text(kMinimal);
  text += "\n[[symbols]]\nticker = \"AAPL\"\nname = \"Apple again\"\ninitial_price = 1\nvolatility = 0.1\n"
          "market_cap_category = \"large\"\n";
  const ConfigError error = error_of(text);
  EXPECT_EQ(error.line(), line_of(text, "ticker = \"AAPL\"", 2));
  EXPECT_TRUE(mentions(error, "symbols[1].ticker"));
  EXPECT_TRUE(mentions(error, "'AAPL'"));
  EXPECT_TRUE(mentions(error, "line " + std::to_string(line_of(text, "ticker = \"AAPL\""))));
}

// ---- bad numbers ----

TEST(ConfigBadNumber, NegativeCount) {
  expect_error(edit("noise_traders", "noise_traders = -3"), "noise_traders",
               {"agents.noise_traders", "-3", "0..1000000"});
}

TEST(ConfigBadNumber, CountBeyondUint32) {
  expect_error(edit("retail_traders", "retail_traders = 1099511627776"), "retail_traders",
               {"agents.retail_traders", "1099511627776", "0..1000000"});
}

TEST(ConfigBadNumber, IntervalBeyondUint32) {
  expect_error(edit("stats_interval_ticks", "stats_interval_ticks = 4294967296"), "stats_interval_ticks",
               {"simulation.stats_interval_ticks", "4294967296", "1..4294967295"});
}

TEST(ConfigBadNumber, ZeroTickInterval) {
  expect_error(edit("tick_interval_ms", "tick_interval_ms = 0"), "tick_interval_ms",
               {"simulation.tick_interval_ms", "0 is out of range"});
}

TEST(ConfigBadNumber, RateAboveOne) {
  const std::string text = edit("[agents]", "[data_quality]\nduplicate_rate = 1.5\n\n[agents]");
  expect_error(text, "duplicate_rate", {"data_quality.duplicate_rate", "1.5", "0.0..1.0"});
}

TEST(ConfigBadNumber, VolatilityZero) {
  expect_error(edit("volatility", "volatility = 0.0"), "volatility", {"symbols[0].volatility", "out of range"});
}

TEST(ConfigBadNumber, VolatilityAboveTen) {
  expect_error(edit("volatility", "volatility = 10.5"), "volatility", {"symbols[0].volatility", "10.5"});
}

TEST(ConfigBadNumber, NotANumber) {
  expect_error(edit("volatility", "volatility = nan"), "volatility", {"symbols[0].volatility", "nan", "finite"});
}

TEST(ConfigBadNumber, Infinity) {
  expect_error(edit("initial_price", "initial_price = inf"), "initial_price",
               {"symbols[0].initial_price", "inf", "finite"});
}

TEST(ConfigBadNumber, NegativePrice) {
  expect_error(edit("initial_price", "initial_price = -185.0"), "initial_price",
               {"symbols[0].initial_price", "-185", "greater than 0"});
}

TEST(ConfigBadNumber, PriceNotAMultipleOfTick) {
  expect_error(edit("initial_price", "initial_price = 185.005"), "initial_price",
               {"symbols[0].initial_price: 185.005 is not a multiple of tick_size 0.01"});
  expect_error(edit("initial_price", "initial_price = 185.10\ntick_size = 0.25"), "initial_price",
               {"symbols[0].initial_price", "0.25"});
}

TEST(ConfigBadNumber, PriceBelowOneTick) {
  expect_error(edit("initial_price", "initial_price = 0.000000000001"), "initial_price",
               {"symbols[0].initial_price", "less than one tick"});
}

TEST(ConfigBadNumber, TickSizeTooFine) {
  expect_error(edit("initial_price", "initial_price = 1\ntick_size = 0.0000000001"), "tick_size",
               {"symbols[0].tick_size", "1e-10", "at most 9"});
}

TEST(ConfigBadNumber, TickSizeNotPositive) {
  expect_error(edit("initial_price", "initial_price = 1\ntick_size = 0"), "tick_size", {"symbols[0].tick_size"});
}

TEST(ConfigBadNumber, PortOutOfRange) {
  const std::string text = edit("[simulation]", "[server]\nwebsocket_port = 70000\n\n[simulation]");
  expect_error(text, "websocket_port", {"server.websocket_port", "70000", "1..65535"});
}

TEST(ConfigBadNumber, SnapshotDepthOutOfRange) {
  expect_error(edit("tick_interval_ms", "tick_interval_ms = 100\nsnapshot_depth = 0"), "snapshot_depth",
               {"simulation.snapshot_depth", "1..64"});
  expect_error(edit("tick_interval_ms", "tick_interval_ms = 100\nsnapshot_depth = 65"), "snapshot_depth",
               {"simulation.snapshot_depth", "65", "1..64"});
}

// ---- TOML syntax ----

TEST(ConfigSyntax, ErrorLineIsReported) {
  const std::string text = edit("volatility", "volatility = ");
  const ConfigError error = error_of(text);
  EXPECT_EQ(error.file(), kInline);
  EXPECT_EQ(error.line(), line_of(text, "volatility"));
  EXPECT_FALSE(error.problem().empty());

  const std::string redefined = std::string(kMinimal) + "\n[simulation]\n";
  EXPECT_EQ(error_of(redefined).line(), line_of(redefined, "[simulation]", 2));
  EXPECT_GE(error_of(edit("retail_traders", "retail_traders = 99999999999999999999")).line(), 1u);
}

// ---- strings ----

TEST(ConfigText, BadTickerCharacters) {
  expect_error(edit("ticker", "ticker = \"aapl\""), "ticker", {"symbols[0].ticker", "aapl"});
  expect_error(edit("ticker", "ticker = \"AA PL\""), "ticker", {"symbols[0].ticker"});
  expect_error(edit("ticker", "ticker = \"\""), "ticker", {"symbols[0].ticker", "empty"});
  expect_error(edit("ticker", "ticker = \"ABCDEFGHIJKLMNOP\""), "ticker", {"symbols[0].ticker", "at most 15"});
}

TEST(ConfigText, TooLongName) {
  const std::string text = edit("name", "name = \"" + std::string(64, 'x') + "\"");
  expect_error(text, "name =", {"symbols[0].name", "64 bytes", "at most 63"});
}

TEST(ConfigText, ControlCharacterInName) {
  expect_error(edit("name", "name = \"Apple\\u0000Inc\""), "name =", {"symbols[0].name", "control character"});
}

TEST(ConfigText, TooLongSector) {
  const std::string text = edit("volatility", "volatility = 0.25\nsector = \"" + std::string(32, 's') + "\"");
  expect_error(text, "sector", {"symbols[0].sector", "at most 31"});
}

TEST(ConfigText, UnknownMarketCap) {
  expect_error(edit("market_cap_category", "market_cap_category = \"giant\""), "market_cap_category",
               {"symbols[0].market_cap_category", "giant", "mega, large, mid, small, micro"});
}

// ---- files ----

TEST(ConfigFile, UnreadableFile) {
  const std::string path = kSourceDir + "/config/no-such-config.toml";
  try {
    load_exchange_config(path);
    FAIL() << "loaded a missing file";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), path);
    EXPECT_EQ(error.line(), 0u);
    EXPECT_EQ(std::string(error.what()), path + ": cannot read: No such file or directory");
  }
}

TEST(ConfigFile, DirectoryIsUnreadable) {
  const std::string path = kSourceDir + "/config";
  try {
    load_exchange_config(path);
    FAIL() << "loaded a directory";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.line(), 0u);
    EXPECT_TRUE(mentions(error, "cannot read"));
  }
}

TEST(ConfigFile, WhatIsFileColonLineColonProblem) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ringside-config-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bad.toml").string();
  const std::string text = edit("tick_interval_ms", "tick_interval_ms = 0");
  std::ofstream(path) << text;
  try {
    load_exchange_config(path);
    ADD_FAILURE() << "accepted a zero tick interval";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), path);
    EXPECT_EQ(error.line(), 2u);
    EXPECT_EQ(std::string(error.what()), path + ":2: " + error.problem());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ringside
