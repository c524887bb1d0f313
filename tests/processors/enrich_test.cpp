// The enrich job and its reference data: known and unknown symbols, the shipped
// file against config/default.toml, and every refusal of a bad reference file
// with its file and line.
#include "ringside/processors/enrich.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/test_symbols.hpp"
#include "processor_test_helpers.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/processors/jobs.hpp"
#include "ringside/processors/pipeline.hpp"

namespace ringside::processors::test {
namespace {

constexpr std::string_view kHeader = "symbol,company_name,sector,industry,market_cap_tier,exchange\n";

TEST(Enrich, KnownAndUnknownSymbols) {
  const SymbolTable symbols = ringside::test::test_symbols();  // AAPL, BRK.B, EURUSD
  std::vector<std::unique_ptr<Job>> jobs;
  auto job = std::make_unique<EnrichJob>(parse_reference_csv(
      std::string(kHeader) + "AAPL,Apple Inc.,Technology,Consumer Electronics,large,NASDAQ\n"
                             "MSFT,Microsoft Corp.,Technology,Software,large,NASDAQ\n",
      "ref.csv"));
  EnrichJob* enrich = job.get();
  jobs.push_back(std::move(job));
  Pipeline pipeline(std::move(jobs), 5 * kSecond);
  pipeline.bind(symbols);
  pipeline.set_wall_time(kBase + 99);
  VectorSink sink;
  TradeMaker maker;
  const TradeExecuted a = maker.make(SymbolId{0}, kSecond, 18512, 300, Side::Sell);
  const TradeExecuted b = maker.make(SymbolId{1}, 2 * kSecond, 8000, 5, Side::Buy);
  const TradeExecuted c = maker.make(SymbolId{1}, 3 * kSecond, 8005, 6, Side::Buy);
  for (const TradeExecuted* t : {&a, &b, &c}) pipeline.process(t->header, sink);

  const auto records = sink.all<EnrichedTrade>();
  ASSERT_EQ(records.size(), 3u);
  const EnrichedTrade& r = records[0];
  EXPECT_EQ(check_frame(&r, sizeof r, symbols.size()), FrameError::None);
  EXPECT_EQ(r.header.symbol, SymbolId{0});
  EXPECT_EQ(r.header.event_time_ns, a.header.event_time_ns);
  EXPECT_EQ(r.trade_id, a.trade_id);
  EXPECT_EQ(r.buyer_order_id, a.buyer_order_id);
  EXPECT_EQ(r.seller_order_id, a.seller_order_id);
  EXPECT_EQ(r.price, 18512);
  EXPECT_EQ(r.quantity, 300u);
  EXPECT_EQ(r.buyer_agent, a.buyer_agent);
  EXPECT_EQ(r.seller_agent, a.seller_agent);
  EXPECT_EQ(r.aggressor_side, Side::Sell);
  EXPECT_EQ(r.enriched_at_ns, kBase + 99);
  EXPECT_EQ(r.reference_found, 1);
  EXPECT_EQ(text_of(r.company_name), "Apple Inc.");
  EXPECT_EQ(text_of(r.sector), "Technology");
  EXPECT_EQ(text_of(r.industry), "Consumer Electronics");
  EXPECT_EQ(text_of(r.market_cap_tier), "large");
  EXPECT_EQ(text_of(r.listed_exchange), "NASDAQ");

  for (const EnrichedTrade& u : {records[1], records[2]}) {
    EXPECT_EQ(check_frame(&u, sizeof u, symbols.size()), FrameError::None);
    EXPECT_EQ(u.reference_found, 0);
    EXPECT_EQ(text_of(u.company_name), "UNKNOWN");
    EXPECT_EQ(text_of(u.sector), "UNKNOWN");
    EXPECT_EQ(text_of(u.industry), "UNKNOWN");
    EXPECT_EQ(text_of(u.market_cap_tier), "UNKNOWN");
    EXPECT_EQ(text_of(u.listed_exchange), "UNKNOWN");
  }
  EXPECT_EQ(records[2].trade_id, c.trade_id);
  EXPECT_EQ(records[2].price, 8005);
  EXPECT_EQ(enrich->counters().trades, 3u);
  EXPECT_EQ(enrich->counters().unknown, 2u);
  ASSERT_EQ(enrich->unknown_symbols(), std::vector<std::string>{"BRK.B"});
  EXPECT_EQ(enrich->status(), "trades 3, unknown 2 (BRK.B) (reference ref.csv, 2 symbols)");
}

TEST(Enrich, TheShippedReferenceCoversTheDefaultConfig) {
  const ReferenceData ref = embedded_reference_data();
  EXPECT_EQ(ref.source, kEmbeddedReferenceName);
  const ExchangeConfig config = embedded_default_config();
  ASSERT_EQ(ref.entries.size(), config.symbols.size());
  for (const Instrument& s : config.symbols) {
    const ReferenceEntry* e = ref.find(s.ticker);
    ASSERT_NE(e, nullptr) << s.ticker;
    EXPECT_EQ(e->company_name, s.name);
    EXPECT_EQ(e->sector, s.sector);
    EXPECT_EQ(e->market_cap_tier, to_string(s.market_cap)) << s.ticker;
    EXPECT_TRUE(e->exchange == "NASDAQ" || e->exchange == "NYSE") << s.ticker;
  }
  // The file in the repository is what was compiled in.
  std::ifstream in(std::string(RINGSIDE_SOURCE_DIR) + "/config/reference.csv", std::ios::binary);
  std::ostringstream file;
  file << in.rdbuf();
  EXPECT_EQ(file.str(), embedded_reference_csv());
}

TEST(ReferenceData, AcceptsQuotesCrlfBomAndAnyColumnOrder) {
  const ReferenceData ref = parse_reference_csv(
      "\xEF\xBB\xBF"
      "exchange,symbol,sector,industry,market_cap_tier,company_name\r\n"
      "\r\n"
      "NYSE,BRK.B,Finance,\"Insurance, Diversified\",mega,\"Berkshire \"\"B\"\"\"\r\n",
      "x.csv");
  ASSERT_EQ(ref.entries.size(), 1u);
  const ReferenceEntry& e = ref.entries[0];
  EXPECT_EQ(e.symbol, "BRK.B");
  EXPECT_EQ(e.company_name, "Berkshire \"B\"");
  EXPECT_EQ(e.industry, "Insurance, Diversified");
  EXPECT_EQ(e.market_cap_tier, "mega");
  EXPECT_EQ(e.exchange, "NYSE");
  EXPECT_EQ(e.line, 3u);
  // Each text may fill its record field but for the NUL.
  const std::string row = "A," + std::string(63, 'c') + "," + std::string(31, 's') + "," + std::string(47, 'i') +
                          ",small," + std::string(15, 'e') + "\n";
  EXPECT_NO_THROW(parse_reference_csv(std::string(kHeader) + row, "max.csv"));
}

struct BadFile {
  std::string text;
  std::string error;  // the whole message
};

TEST(ReferenceData, RefusesBadFilesWithFileAndLine) {
  const std::string ok = "AAPL,Apple Inc.,Technology,Consumer Electronics,large,NASDAQ\n";
  const std::string h(kHeader);
  const BadFile cases[] = {
      {"", "bad.csv:1: no header (the file is empty)"},
      {h, "bad.csv:1: a header but no symbols"},
      {"symbol,company_name,sector,industry,market_cap_tier\n" + ok,
       "bad.csv:1: missing column 'exchange' (the header is "
       "symbol,company_name,sector,industry,market_cap_tier,exchange)"},
      {"symbol,company_name,sector,industry,market_cap_tier,exchange,isin\n" + ok,
       "bad.csv:1: unknown column 'isin' (the header is "
       "symbol,company_name,sector,industry,market_cap_tier,exchange)"},
      {"symbol,company_name,sector,sector,industry,market_cap_tier,exchange\n" + ok,
       "bad.csv:1: column 'sector' appears twice"},
      {h + ok + "MSFT,Microsoft,Technology,Software,large\n", "bad.csv:3: 5 fields, the header has 6"},
      {h + ok + "\n" + ok, "bad.csv:4: symbol 'AAPL' again (first on line 2)"},
      {h + "AAPL,Apple Inc.,Technology,Consumer Electronics,huge,NASDAQ\n",
       "bad.csv:2: market_cap_tier 'huge' is not one of mega, large, mid, small, micro"},
      {h + "AAPL,,Technology,Consumer Electronics,large,NASDAQ\n", "bad.csv:2: company_name is empty"},
      {h + "AA PL,Apple,Technology,Consumer Electronics,large,NASDAQ\n", "bad.csv:2: symbol 'AA PL' has a blank"},
      {h + "AAPL," + std::string(64, 'c') + ",Technology,Consumer Electronics,large,NASDAQ\n",
       "bad.csv:2: company_name is 64 bytes, at most 63 fit"},
      {h + "AAPL,Apple," + std::string(32, 's') + ",Consumer Electronics,large,NASDAQ\n",
       "bad.csv:2: sector is 32 bytes, at most 31 fit"},
      {h + "AAPL,Apple,Technology," + std::string(48, 'i') + ",large,NASDAQ\n",
       "bad.csv:2: industry is 48 bytes, at most 47 fit"},
      {h + "AAPL,Apple,Technology,Phones,large," + std::string(16, 'e') + "\n",
       "bad.csv:2: exchange is 16 bytes, at most 15 fit"},
      {h + std::string(32, 'S') + ",Apple,Technology,Phones,large,NASDAQ\n",
       "bad.csv:2: symbol is 32 bytes, at most 31 fit"},
      {h + "AAPL,Apple\tInc.,Technology,Phones,large,NASDAQ\n",
       "bad.csv:2: company_name is not printable UTF-8 (control characters or bad bytes)"},
      {h + "AAPL,Apple,Tech\xff,Phones,large,NASDAQ\n",
       "bad.csv:2: sector is not printable UTF-8 (control characters or bad bytes)"},
      {h + "AAPL,\"Apple,Technology,Phones,large,NASDAQ\n", "bad.csv:2: a quoted field is not closed on its line"},
      {h + "AAPL,\"Apple\"x,Technology,Phones,large,NASDAQ\n",
       "bad.csv:2: text after a quoted field's closing quote"},
      {h + "AAPL,Apple \"A\",Technology,Phones,large,NASDAQ\n",
       "bad.csv:2: a quote inside an unquoted field (quote the whole field, \"\" for a quote)"},
  };
  for (const BadFile& c : cases) {
    try {
      parse_reference_csv(c.text, "bad.csv");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const ReferenceError& e) {
      EXPECT_EQ(std::string(e.what()), c.error);
    }
  }
}

TEST(ReferenceData, FilesAndTheJobCatalogue) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ringside-ref-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path good = dir / "good.csv";
  const std::filesystem::path bad = dir / "bad.csv";
  std::ofstream(good) << kHeader << "AAPL,Apple Inc.,Technology,Consumer Electronics,large,NASDAQ\n";
  std::ofstream(bad) << kHeader << "AAPL,Apple Inc.,Technology,Consumer Electronics,large,NASDAQ\n"
                     << "AAPL,Apple Inc.,Technology,Consumer Electronics,large,NASDAQ\n";
  EXPECT_EQ(load_reference_file(good).entries.size(), 1u);
  try {
    load_reference_file(bad);
    ADD_FAILURE() << "accepted";
  } catch (const ReferenceError& e) {
    EXPECT_EQ(std::string(e.what()), bad.string() + ":3: symbol 'AAPL' again (first on line 2)");
  }
  EXPECT_THROW(load_reference_file(dir / "missing.csv"), std::invalid_argument);

  JobOptions options;
  auto job = make_job("enrich", options);
  EXPECT_EQ(static_cast<EnrichJob&>(*job).reference().entries.size(), 24u);
  options.enrich.reference_file = good.string();
  job = make_job("enrich", options);
  EXPECT_EQ(static_cast<EnrichJob&>(*job).reference().source, good.string());
  options.enrich.reference_file = bad.string();
  EXPECT_THROW(make_job("enrich", options), std::invalid_argument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ringside::processors::test
