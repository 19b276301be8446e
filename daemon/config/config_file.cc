#include "config/config_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace switchyard {

// Reading a directory "succeeds" with no bytes on Linux, which would be reported as an empty
// key or a config with no routes: say what it is instead.
Status ReadRegularFile(const std::string& path, std::string* text) {
  std::error_code ec;
  std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    return Status::IoError("cannot read " + path + ": no such file");
  if (std::filesystem::is_directory(st)) {
    return Status::InvalidArgument(path + " is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path + ": permission denied or unreadable");
  std::ostringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return Status::Ok();
}

Status ReadKeyFile(const std::string& path, std::string* key) {
  std::string full = path;
  const char* cred_dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (!path.empty() && path[0] != '/' && cred_dir) full = std::string(cred_dir) + "/" + path;
  SY_RETURN_IF_ERROR(ReadRegularFile(full, key));
  while (!key->empty() && (key->back() == '\n' || key->back() == '\r' || key->back() == ' ')) {
    key->pop_back();
  }
  if (key->empty()) return Status::InvalidArgument(full + " is empty");
  return Status::Ok();
}

}  // namespace switchyard
