// What every Unix socket the daemon listens on shares: binding it safely, and deciding
// whether a connecting process may use it.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace switchyard {

// Binds `pipe` to `path` with `mode` from the start (no moment a stranger could connect),
// replacing a stale socket file but refusing one a live process answers on, and creating
// the parent directories.
Status BindUnixSocket(uv_pipe_t* pipe, const std::string& path, int mode);

// Empty if the peer of connected socket `fd` may use it: both lists empty, its uid in
// `uids`, or its gid or a supplementary group in `gids`; else why not.
std::string CheckPeer(int fd, const std::vector<int64_t>& uids, const std::vector<int64_t>& gids);

}  // namespace switchyard
