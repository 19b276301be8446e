#include "front/switchyard_headers.h"

#include <cstdlib>

namespace switchyard {

Status ReadChatHeaders(const HttpRequestIn& req, ChatHeaders* out) {
  if (const std::string* task = req.Header("x-switchyard-task")) out->task = *task;
  if (const std::string* d = req.Header("x-switchyard-deadline-ms")) {
    char* end = nullptr;
    out->deadline_ms = std::strtoll(d->c_str(), &end, 10);
    if (d->empty() || *end != '\0') {
      return Status::InvalidArgument("x-switchyard-deadline-ms: expected an integer, got '" + *d +
                                     "'");
    }
  }
  return Status::Ok();
}

HttpHeaders WithIgnored(HttpHeaders h, const std::vector<std::string>& ignored) {
  if (ignored.empty()) return h;
  std::string list;
  for (const std::string& k : ignored) list += (list.empty() ? "" : ", ") + k;
  h.emplace_back("x-switchyard-ignored", list);
  return h;
}

HttpHeaders WithServed(HttpHeaders h, const CompleteResult& r) {
  h.emplace_back("x-switchyard-model", r.model);
  h.emplace_back("x-switchyard-fallbacks",
                 std::to_string(r.attempts.empty() ? 0 : r.attempts.size() - 1));
  h.emplace_back("x-switchyard-request-id", std::to_string(r.request_id));
  return h;
}

}  // namespace switchyard
