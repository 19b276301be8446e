// Logging setup. Everything logs through spdlog's default logger; pure modules never log.
#pragma once

#include <string>

#include "base/status.h"

namespace switchyard {

// Sends the default logger to stderr (journald adds its own timestamps, so under systemd
// the pattern leaves them out). `level` is one of trace, debug, info, warn, error.
Status SetupLogging(const std::string& level);

}  // namespace switchyard
