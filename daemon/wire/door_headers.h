// What a door's request takes from its HTTP headers rather than its body, whichever wire
// format the body is in: the request's `task` and `deadline_ms`, from x-switchyard-task and
// x-switchyard-deadline-ms.
#pragma once

#include <cstdint>
#include <string>

namespace switchyard {

struct ChatHeaders {
  std::string task = "default";
  int64_t deadline_ms = 0;
};

}  // namespace switchyard
