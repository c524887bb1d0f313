#include "ringside/core/order_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "test_symbols.hpp"

namespace ringside {
namespace {

namespace fs = std::filesystem;

// Offsets of a file written by make_file(): header, symbol table image, frames.
constexpr std::size_t kImageBytes = 16 + 3 * 160;  // test_symbols(): three instruments
constexpr std::size_t kFramesAt = kOrderFileHeaderSize + kImageBytes;
static_assert(kImageBytes % 8 == 0);

NewOrderRequest new_order(std::uint64_t client_order_id, Side side, Ticks price, Quantity quantity) {
  NewOrderRequest o{};
  init_order_entry_header(o, SymbolId{0}, 1'000'000'000 + static_cast<std::int64_t>(client_order_id));
  o.client_order_id = client_order_id;
  o.price = price;
  o.quantity = quantity;
  o.agent = make_agent_id(AgentType::External, 7);
  o.side = side;
  o.order_type = OrderType::Limit;
  o.time_in_force = TimeInForce::GTC;
  return o;
}

CancelOrderRequest cancel(std::uint64_t client_order_id, Quantity reduce_by) {
  CancelOrderRequest c{};
  init_order_entry_header(c, SymbolId{0}, 2'000'000'000);
  c.client_order_id = client_order_id;
  c.reduce_by = reduce_by;
  c.agent = make_agent_id(AgentType::External, 7);
  return c;
}

class OrderFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ringside_order_file_test." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path path(const std::string& name) const { return dir_ / name; }

  // A good file: new order, new order, reduce, cancel.
  fs::path make_file(const std::string& name = "good.orders") {
    const fs::path p = path(name);
    OrderFileWriter w(p, test::test_symbols());
    w.append(new_order(1, Side::Buy, 18'500, 100));
    w.append(new_order(2, Side::Sell, 18'510, 50));
    w.append(cancel(1, 30));
    w.append(cancel(2, 0));
    EXPECT_EQ(w.count(), 4u);
    w.close();
    return p;
  }

  static std::vector<char> bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static void write_bytes(const fs::path& p, const std::vector<char>& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  template <class T>
  static void put(std::vector<char>& bytes, std::size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof value);
  }

  // Damages a copy of the good file and expects read_order_file to name `needle`
  // (which includes the file name and the offset).
  void expect_refused(const std::string& name, const std::function<void(std::vector<char>&)>& damage,
                      const std::string& needle) {
    std::vector<char> bytes = bytes_of(make_file());
    damage(bytes);
    const fs::path p = path(name);
    write_bytes(p, bytes);
    try {
      (void)read_order_file(p);
      ADD_FAILURE() << name << ": accepted, expected: " << needle;
    } catch (const OrderFileError& e) {
      EXPECT_NE(std::string(e.what()).find(p.string() + ": offset "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }

  // Offset of frame i in the good file.
  static constexpr std::size_t frame_at(std::size_t i) {
    constexpr std::size_t sizes[] = {sizeof(NewOrderRequest), sizeof(NewOrderRequest), sizeof(CancelOrderRequest)};
    std::size_t at = kFramesAt;
    for (std::size_t k = 0; k < i; ++k) at += sizes[k];
    return at;
  }

  fs::path dir_;
};

TEST_F(OrderFileTest, RoundTrips) {
  const OrderFile f = read_order_file(make_file());
  EXPECT_EQ(f.symbols, test::test_symbols());
  ASSERT_EQ(f.count, 4u);
  ASSERT_EQ(f.frames.size(), 2 * sizeof(NewOrderRequest) + 2 * sizeof(CancelOrderRequest));

  NewOrderRequest o;
  std::memcpy(&o, f.frames.data(), sizeof o);
  const NewOrderRequest expected = new_order(1, Side::Buy, 18'500, 100);
  EXPECT_EQ(std::memcmp(&o, &expected, sizeof o), 0);
  CancelOrderRequest c;
  std::memcpy(&c, f.frames.data() + 2 * sizeof(NewOrderRequest), sizeof c);
  EXPECT_EQ(order_entry_type(c.header), OrderEntryType::CancelOrder);
  EXPECT_EQ(c.client_order_id, 1u);
  EXPECT_EQ(c.reduce_by, 30u);
}

TEST_F(OrderFileTest, EmptyFileRoundTrips) {
  const fs::path p = path("empty.orders");
  {
    OrderFileWriter w(p, test::test_symbols());
  }  // the destructor closes
  const OrderFile f = read_order_file(p);
  EXPECT_EQ(f.count, 0u);
  EXPECT_TRUE(f.frames.empty());
  EXPECT_EQ(f.symbols.size(), 3u);
}

TEST_F(OrderFileTest, MissingFileIsAnError) {
  try {
    (void)read_order_file(path("absent.orders"));
    ADD_FAILURE() << "read a missing file";
  } catch (const OrderFileError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.orders: offset 0: cannot open"), std::string::npos) << e.what();
  }
}

TEST_F(OrderFileTest, RefusesBadHeaders) {
  expect_refused("short.orders", [](auto& b) { b.resize(20); }, "offset 0: truncated header (20 bytes");
  expect_refused("magic.orders", [](auto& b) { b[0] = 'X'; }, "offset 0: bad magic");
  expect_refused("version.orders", [](auto& b) { put<std::uint32_t>(b, 8, 2); }, "offset 8: unsupported version 2");
  expect_refused("symsize.orders", [](auto& b) { put<std::uint32_t>(b, 12, 1u << 30); },
                 "offset 12: symbol table size");
  expect_refused("symtrunc.orders", [](auto& b) { b.resize(kOrderFileHeaderSize + 100); },
                 "offset 132: truncated symbol table");
  expect_refused("symbad.orders", [](auto& b) { b[kOrderFileHeaderSize] = 'X'; },
                 "offset 32: symbol table image: byte 0: bad magic");
  expect_refused("count.orders", [](auto& b) { put<std::uint64_t>(b, 24, 5); },
                 "offset 24: header says 5 frames, the file has 4");
}

TEST_F(OrderFileTest, RefusesFrameByteMismatches) {
  const std::size_t end = frame_at(3) + sizeof(CancelOrderRequest);
  expect_refused("cut.orders", [](auto& b) { b.resize(b.size() - 8); },
                 "offset " + std::to_string(end - 8) + ": truncated frames: header says 224 bytes, the file has 216");
  expect_refused("trailing.orders", [](auto& b) { b.resize(b.size() + 8, 0); },
                 "offset " + std::to_string(end) + ": 8 bytes after the 224 frame bytes");
  // The header's frame byte count ends inside the last frame.
  expect_refused("inside.orders",
                 [](auto& b) {
                   put<std::uint64_t>(b, 16, 224 - 8);
                   b.resize(b.size() - 8);
                 },
                 "offset " + std::to_string(frame_at(3)) + ": frame 3: truncated frame: length 48, 40 bytes left");
  expect_refused("stub.orders",
                 [](auto& b) {
                   put<std::uint64_t>(b, 16, 224 - 24);
                   b.resize(b.size() - 24);
                 },
                 "offset " + std::to_string(frame_at(3)) + ": frame 3: truncated frame header (24 bytes");
}

TEST_F(OrderFileTest, RefusesBadFrames) {
  const auto at = [](std::size_t frame, std::size_t field) { return frame_at(frame) + field; };
  const std::string f0 = "offset " + std::to_string(frame_at(0)) + ": frame 0: ";
  const std::string f1 = "offset " + std::to_string(frame_at(1)) + ": frame 1: ";
  const std::string f2 = "offset " + std::to_string(frame_at(2)) + ": frame 2: ";

  expect_refused("len0.orders", [&](auto& b) { put<std::uint32_t>(b, at(0, 0), 0); }, f0 + "bad frame length 0");
  expect_refused("len7.orders", [&](auto& b) { put<std::uint32_t>(b, at(1, 0), 60); }, f1 + "bad frame length 60");
  expect_refused("lentype.orders", [&](auto& b) { put<std::uint32_t>(b, at(2, 0), 64); },
                 f2 + "CancelOrderRequest frame has length 64, expected 48");
  expect_refused("lenhuge.orders", [&](auto& b) { put<std::uint32_t>(b, at(0, 0), 1u << 31); },
                 f0 + "truncated frame: length 2147483648, 224 bytes left");
  expect_refused("type.orders", [&](auto& b) { put<std::uint8_t>(b, at(1, 4), 3); }, f1 + "unknown frame type 3");
  expect_refused("report.orders",
                 [&](auto& b) { put(b, at(1, 4), static_cast<std::uint8_t>(OrderEntryType::ExecutionReport)); },
                 f1 + "an ExecutionReport is not a request");
  expect_refused("schema.orders", [&](auto& b) { put<std::uint8_t>(b, at(0, 5), 9); },
                 f0 + "unsupported schema version 9");
  expect_refused("symbol.orders", [&](auto& b) { put<std::uint16_t>(b, at(1, 6), 3); },
                 f1 + "unknown symbol id 3 (the file has 3 symbols)");
  expect_refused("cxsymbol.orders", [&](auto& b) { put<std::uint16_t>(b, at(2, 6), 65535); },
                 f2 + "unknown symbol id 65535");

  expect_refused("side.orders", [&](auto& b) { put<std::uint8_t>(b, at(0, offsetof(NewOrderRequest, side)), 2); },
                 f0 + "bad side 2");
  expect_refused("otype.orders",
                 [&](auto& b) { put<std::uint8_t>(b, at(0, offsetof(NewOrderRequest, order_type)), 7); },
                 f0 + "bad order type 7");
  expect_refused("tif.orders",
                 [&](auto& b) { put<std::uint8_t>(b, at(1, offsetof(NewOrderRequest, time_in_force)), 3); },
                 f1 + "bad time in force 3");
  expect_refused("agent.orders",
                 [&](auto& b) { put<std::uint32_t>(b, at(1, offsetof(NewOrderRequest, agent)), 0x09000001); },
                 f1 + "bad agent id");
  expect_refused("qty0.orders", [&](auto& b) { put<std::uint32_t>(b, at(0, offsetof(NewOrderRequest, quantity)), 0); },
                 f0 + "quantity 0 out of range");
  expect_refused("qtybig.orders",
                 [&](auto& b) {
                   put<std::uint32_t>(b, at(0, offsetof(NewOrderRequest, quantity)), kMaxOrderQuantity + 1);
                 },
                 f0 + "quantity 100000001 out of range");
  expect_refused("coid0.orders",
                 [&](auto& b) { put<std::uint64_t>(b, at(0, offsetof(NewOrderRequest, client_order_id)), 0); },
                 f0 + "client order id 0 out of range");
  expect_refused("coidbig.orders",
                 [&](auto& b) {
                   put<std::uint64_t>(b, at(1, offsetof(NewOrderRequest, client_order_id)), kMaxClientOrderId + 1);
                 },
                 f1 + "client order id 1099511627776 out of range");
  expect_refused("price0.orders", [&](auto& b) { put<std::int64_t>(b, at(0, offsetof(NewOrderRequest, price)), 0); },
                 f0 + "limit price 0 is not positive");
  expect_refused("priceneg.orders",
                 [&](auto& b) { put<std::int64_t>(b, at(1, offsetof(NewOrderRequest, price)), -5); },
                 f1 + "limit price -5 is not positive");

  expect_refused("cxcoid.orders",
                 [&](auto& b) { put<std::uint64_t>(b, at(2, offsetof(CancelOrderRequest, client_order_id)), 0); },
                 f2 + "client order id 0 out of range");
  expect_refused("cxreduce.orders",
                 [&](auto& b) {
                   put<std::uint32_t>(b, at(2, offsetof(CancelOrderRequest, reduce_by)), kMaxOrderQuantity + 1);
                 },
                 f2 + "reduce_by 100000001 out of range");
  expect_refused("cxagent.orders",
                 [&](auto& b) { put<std::uint32_t>(b, at(2, offsetof(CancelOrderRequest, agent)), 0xff000000); },
                 f2 + "bad agent id");
}

// Whatever the damage, the reader refuses with an OrderFileError or reads a file
// whose every frame checks out; it never crashes (the ASan+UBSan build runs this too).
TEST_F(OrderFileTest, RandomDamageIsRefusedCleanly) {
  const std::vector<char> good = bytes_of(make_file());
  std::uint64_t state = 12345;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  const fs::path p = path("random.orders");
  int refused = 0;
  for (int i = 0; i < 500; ++i) {
    std::vector<char> bytes = good;
    const std::size_t flips = 1 + next() % 4;
    for (std::size_t f = 0; f < flips; ++f) bytes[next() % bytes.size()] = static_cast<char>(next() & 0xff);
    if (next() % 4 == 0) bytes.resize(next() % (bytes.size() + 1));
    write_bytes(p, bytes);
    try {
      const OrderFile f = read_order_file(p);
      EXPECT_LE(f.frames.size(), bytes.size());
    } catch (const OrderFileError& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find(": offset "), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(refused, 100);
}

TEST_F(OrderFileTest, MarketOrdersNeedNoPrice) {
  const fs::path p = path("market.orders");
  {
    OrderFileWriter w(p, test::test_symbols());
    NewOrderRequest o = new_order(9, Side::Sell, 0, 10);
    o.order_type = OrderType::Market;
    o.time_in_force = TimeInForce::IOC;
    w.append(o);
    w.close();
  }
  EXPECT_EQ(read_order_file(p).count, 1u);
}

TEST_F(OrderFileTest, CheckFrameRefusesShortBuffers) {
  const NewOrderRequest o = new_order(1, Side::Buy, 100, 1);
  const SymbolTable symbols = test::test_symbols();
  EXPECT_EQ(check_order_entry_frame(o.header, sizeof o, symbols), "");
  EXPECT_NE(check_order_entry_frame(o.header, sizeof o - 8, symbols).find("truncated frame: length 64, 56 bytes left"),
            std::string::npos);
  EXPECT_NE(check_order_entry_frame(o.header, 8, symbols).find("truncated frame header"), std::string::npos);
}

TEST_F(OrderFileTest, WriterRefusesAnUnwritablePath) {
  EXPECT_THROW(OrderFileWriter(path("no/such/dir/x.orders"), test::test_symbols()), std::runtime_error);
}

TEST_F(OrderFileTest, AppendAfterCloseIsALogicError) {
  OrderFileWriter w(path("closed.orders"), test::test_symbols());
  w.close();
  EXPECT_THROW(w.append(cancel(1, 0)), std::logic_error);
}

}  // namespace
}  // namespace ringside
