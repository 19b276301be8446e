// The dashboard's files, compiled into the daemon at build time (cmake/embed.cmake):
// index.html, dashboard.js, dashboard.css (daemon/front/dashboard/) and chart.js (Debian's
// libjs-chart.js).
#pragma once

#include <string_view>

namespace switchyard {

// The bytes of asset `name`; empty when there is none of that name.
std::string_view DashboardAsset(std::string_view name);

}  // namespace switchyard
