// The one door through which provider text enters the daemon: an HttpClient that passes
// every byte a provider sends (bodies, a stream's bytes as they come, the Retry-After headers)
// and every transport error text through a Redactor before anyone reads it. Whatever a
// provider echoes of a key, no log line, history row, status or client answer can hold it,
// since nothing downstream ever sees the unredacted bytes.
#pragma once

#include "base/redactor.h"
#include "http/http_client.h"

namespace switchyard {

class RedactingHttpClient final : public HttpClient {
 public:
  // Both must outlive this object; `redactor` may gain secrets between requests (reload).
  RedactingHttpClient(HttpClient* inner, const Redactor* redactor)
      : inner_(inner), redactor_(redactor) {}

  Id Start(HttpRequest req, Callback done) override;
  void Cancel(Id id) override { inner_->Cancel(id); }

 private:
  HttpClient* inner_;
  const Redactor* redactor_;
};

}  // namespace switchyard
