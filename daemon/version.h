#pragma once

namespace switchyard {
inline constexpr const char* kSwitchyardVersion = "0.1.0";
}  // namespace switchyard
