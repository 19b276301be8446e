#include "ipc/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace switchyard {
namespace {

// True if something answers on `path`: a live daemon we must not replace.
bool SomeoneListens(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  bool live = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return live;
}

void MakeParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  std::string dir = path.substr(0, slash);
  for (size_t p = 1; (p = dir.find('/', p)) != std::string::npos; ++p) {
    mkdir(dir.substr(0, p).c_str(), 0755);
  }
  mkdir(dir.c_str(), 0755);
}

}  // namespace

Status BindUnixSocket(uv_pipe_t* pipe, const std::string& path, int mode) {
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::InvalidArgument("socket path too long (max 107 bytes): " + path);
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Status::InvalidArgument(path + " exists and is not a socket");
    if (SomeoneListens(path)) {
      return Status::Unavailable(path + " is in use by a running daemon");
    }
    unlink(path.c_str());
  }
  MakeParentDir(path);
  // The socket is created with the mode we want rather than chmod-ed after bind, so there is
  // no moment when a stranger could connect.
  mode_t old = umask(static_cast<mode_t>(~mode & 0777));
  int rc = uv_pipe_bind(pipe, path.c_str());
  umask(old);
  if (rc != 0) return Status::IoError("bind " + path + ": " + uv_strerror(rc));
  chmod(path.c_str(), static_cast<mode_t>(mode));
  return Status::Ok();
}

std::string CheckPeer(int fd, const std::vector<int64_t>& uids, const std::vector<int64_t>& gids) {
  if (uids.empty() && gids.empty()) return "";
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return std::string("cannot read the peer's credentials: ") + std::strerror(errno);
  }
  auto has = [](const std::vector<int64_t>& v, int64_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (has(uids, cred.uid) || has(gids, cred.gid)) return "";
  // Supplementary groups: a member of an allowed group is allowed.
  gid_t groups[256];
  socklen_t glen = sizeof groups;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
    for (size_t i = 0; i < glen / sizeof(gid_t); ++i) {
      if (has(gids, groups[i])) return "";
    }
  }
  return "uid " + std::to_string(cred.uid) + " (gid " + std::to_string(cred.gid) + ", pid " +
         std::to_string(cred.pid) + ") is not allowed to use this socket";
}

}  // namespace switchyard
