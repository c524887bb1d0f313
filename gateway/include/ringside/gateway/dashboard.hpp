// The dashboard page (gateway/dashboard/index.html), compiled into the binary:
// one self-contained HTML file, vanilla JavaScript, no external assets.
#pragma once

#include <string_view>

namespace ringside::gateway {

std::string_view dashboard_html() noexcept;

}  // namespace ringside::gateway
