#include "ringside/egress/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace ringside::egress {

std::filesystem::path position_file(const std::filesystem::path& state_dir, const std::string& ring) {
  return state_dir / ("egress-" + ring + ".state");
}

std::optional<CommittedPosition> load_position(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    if (!std::filesystem::exists(file)) return std::nullopt;
    throw std::runtime_error(fmt::format("{}: cannot read the egress state file", file.string()));
  }
  CommittedPosition p;
  bool has_generation = false, has_sequence = false;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const auto fail = [&](std::string_view problem) {
      throw std::runtime_error(fmt::format("{}:{}: {} (delete the file to start from the oldest frame in the ring)",
                                           file.string(), number, problem));
    };
    const auto eq = line.find('=');
    if (eq == std::string::npos) fail("expected key=value");
    const std::string_view key(line.data(), eq), value(line.data() + eq + 1, line.size() - eq - 1);
    const auto number_of = [&](std::uint64_t& out) {
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
      if (ec != std::errc{} || end != value.data() + value.size()) fail(fmt::format("{}: '{}' is not a number", key, value));
    };
    if (key == "ring") {
      p.ring = std::string(value);
    } else if (key == "generation") {
      number_of(p.generation);
      has_generation = true;
    } else if (key == "next_sequence") {
      number_of(p.next_sequence);
      has_sequence = true;
    } else {
      fail(fmt::format("unknown key '{}'", key));
    }
  }
  if (!has_generation || !has_sequence || p.ring.empty()) {
    throw std::runtime_error(fmt::format(
        "{}: incomplete egress state (needs ring, generation and next_sequence; delete the file to start from the "
        "oldest frame in the ring)",
        file.string()));
  }
  return p;
}

void save_position(const std::filesystem::path& file, const CommittedPosition& position) {
  const std::string text = fmt::format("# ringside-egress committed position\nring={}\ngeneration={}\nnext_sequence={}\n",
                                       position.ring, position.generation, position.next_sequence);
  const std::string temporary = file.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "create " + temporary);
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    throw std::system_error(written < 0 ? write_errno : EIO, std::generic_category(), "write " + temporary);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(), "rename " + temporary + " to " + file.string());
  }
}

}  // namespace ringside::egress
