// Bad input a command refuses: a file it cannot parse, an option it cannot use.
// `ringside` prints the message as it is (it names the file, and the line where
// there is one) and exits with status 2; any other failure exits with 1.
#pragma once

#include <stdexcept>

namespace ringside::tools {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitInputError = 2;
inline constexpr int kExitFailure = 1;

}  // namespace ringside::tools
