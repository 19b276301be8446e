// The files a config names: the config itself, and files holding one secret (an API key, a
// password), read with systemd's $CREDENTIALS_DIRECTORY for relative paths.
#pragma once

#include <string>

#include "base/status.h"

namespace switchyard {

// The whole of a regular file; a directory or a missing file is a clear error.
Status ReadRegularFile(const std::string& path, std::string* text);
// A secret: the file's text without its trailing newline; an empty one is an error.
Status ReadKeyFile(const std::string& path, std::string* key);

}  // namespace switchyard
