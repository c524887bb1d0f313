#include "ringside/core/instrument.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ringside {
namespace {

constexpr std::string_view kMarketCapNames[] = {"mega", "large", "mid", "small", "micro"};
static_assert(std::size(kMarketCapNames) == kMaxMarketCap + 1u);

// Binary image layout (little-endian, as the host: ringside is one-host software).
constexpr char kImageMagic[8] = {'R', 'S', 'S', 'Y', 'M', 'T', 'A', 'B'};
constexpr std::uint32_t kImageVersion = 1;

struct ImageHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t count;
};

struct ImageRecord {
  char ticker[kMaxTickerLength + 1];
  char name[kMaxNameLength + 1];
  char sector[kMaxSectorLength + 1];
  std::int64_t initial_price;
  std::int64_t tick_units;
  double volatility;
  std::uint16_t id;
  std::uint8_t decimals;
  std::uint8_t market_cap;
  std::uint8_t reserved[20];
};
static_assert(sizeof(ImageHeader) == 16);
static_assert(sizeof(ImageRecord) == 160);

template <std::size_t N>
void put(char (&field)[N], const std::string& value) {
  std::memset(field, 0, N);
  std::memcpy(field, value.data(), std::min(value.size(), N - 1));
}

template <std::size_t N>
std::string get(const char (&field)[N], std::size_t offset, const char* what) {
  const void* nul = std::memchr(field, 0, N);
  if (nul == nullptr) {
    throw std::runtime_error("symbol table image: byte " + std::to_string(offset) + ": " + what +
                             " is not NUL-terminated");
  }
  return std::string(field, static_cast<const char*>(nul));
}

}  // namespace

std::string_view to_string(MarketCap v) noexcept {
  const auto i = static_cast<unsigned>(v);
  return i <= kMaxMarketCap ? kMarketCapNames[i] : std::string_view{};
}

bool parse_market_cap(std::string_view text, MarketCap& out) noexcept {
  for (unsigned i = 0; i <= kMaxMarketCap; ++i) {
    if (kMarketCapNames[i] == text) {
      out = static_cast<MarketCap>(i);
      return true;
    }
  }
  return false;
}

double PriceScale::tick_size() const noexcept {
  return static_cast<double>(tick_units) / kDecimalScale[std::min<int>(decimals, kMaxPriceDecimals)];
}

double PriceScale::to_double(Ticks ticks) const noexcept {
  return static_cast<double>(ticks) * tick_size();
}

SymbolTable::SymbolTable(std::vector<Instrument> instruments) : instruments_(std::move(instruments)) {
  if (instruments_.size() > kMaxSymbols) {
    throw std::length_error("symbol table: " + std::to_string(instruments_.size()) + " symbols, at most " +
                            std::to_string(kMaxSymbols));
  }
  for (std::size_t i = 0; i < instruments_.size(); ++i) instruments_[i].id = SymbolId{static_cast<std::uint16_t>(i)};
}

const Instrument* SymbolTable::find(std::string_view ticker) const noexcept {
  for (const auto& instrument : instruments_) {
    if (instrument.ticker == ticker) return &instrument;
  }
  return nullptr;
}

std::vector<std::byte> SymbolTable::to_image() const {
  std::vector<std::byte> image(sizeof(ImageHeader) + instruments_.size() * sizeof(ImageRecord));
  ImageHeader header{};
  std::memcpy(header.magic, kImageMagic, sizeof kImageMagic);
  header.version = kImageVersion;
  header.count = static_cast<std::uint32_t>(instruments_.size());
  std::memcpy(image.data(), &header, sizeof header);
  for (std::size_t i = 0; i < instruments_.size(); ++i) {
    const Instrument& in = instruments_[i];
    ImageRecord record{};
    put(record.ticker, in.ticker);
    put(record.name, in.name);
    put(record.sector, in.sector);
    record.initial_price = in.initial_price;
    record.tick_units = in.scale.tick_units;
    record.volatility = in.volatility;
    record.id = raw(in.id);
    record.decimals = in.scale.decimals;
    record.market_cap = static_cast<std::uint8_t>(in.market_cap);
    std::memcpy(image.data() + sizeof(ImageHeader) + i * sizeof(ImageRecord), &record, sizeof record);
  }
  return image;
}

SymbolTable SymbolTable::from_image(std::span<const std::byte> image) {
  auto fail = [](std::size_t offset, const std::string& problem) -> std::runtime_error {
    return std::runtime_error("symbol table image: byte " + std::to_string(offset) + ": " + problem);
  };
  ImageHeader header{};
  if (image.size() < sizeof header) throw fail(0, "truncated header (" + std::to_string(image.size()) + " bytes)");
  std::memcpy(&header, image.data(), sizeof header);
  if (std::memcmp(header.magic, kImageMagic, sizeof kImageMagic) != 0) throw fail(0, "bad magic");
  if (header.version != kImageVersion) {
    throw fail(8, "unsupported version " + std::to_string(header.version) + " (this build reads " +
                      std::to_string(kImageVersion) + ")");
  }
  if (header.count > kMaxSymbols) throw fail(12, "symbol count " + std::to_string(header.count) + " too large");
  const std::size_t need = sizeof header + std::size_t{header.count} * sizeof(ImageRecord);
  if (image.size() < need) {
    throw fail(image.size(), "truncated: " + std::to_string(header.count) + " records need " + std::to_string(need) +
                                 " bytes");
  }
  std::vector<Instrument> instruments;
  instruments.reserve(header.count);
  for (std::size_t i = 0; i < header.count; ++i) {
    const std::size_t offset = sizeof header + i * sizeof(ImageRecord);
    ImageRecord record;
    std::memcpy(&record, image.data() + offset, sizeof record);
    Instrument in;
    in.ticker = get(record.ticker, offset, "ticker");
    in.name = get(record.name, offset + offsetof(ImageRecord, name), "name");
    in.sector = get(record.sector, offset + offsetof(ImageRecord, sector), "sector");
    if (record.id != i) throw fail(offset + offsetof(ImageRecord, id), "record " + std::to_string(i) + " has id " + std::to_string(record.id));
    if (record.market_cap > kMaxMarketCap) throw fail(offset + offsetof(ImageRecord, market_cap), "bad market cap");
    if (record.decimals > kMaxPriceDecimals || record.tick_units <= 0) {
      throw fail(offset + offsetof(ImageRecord, tick_units), "bad price scale");
    }
    in.market_cap = static_cast<MarketCap>(record.market_cap);
    in.scale = PriceScale{record.tick_units, record.decimals};
    in.initial_price = record.initial_price;
    in.volatility = record.volatility;
    instruments.push_back(std::move(in));
  }
  return SymbolTable(std::move(instruments));
}

}  // namespace ringside
