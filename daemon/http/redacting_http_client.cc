#include "http/redacting_http_client.h"

#include <memory>

namespace switchyard {

HttpClient::Id RedactingHttpClient::Start(HttpRequest req, Callback done) {
  const Redactor* redactor = redactor_;
  std::shared_ptr<Redactor::Stream> stream;
  if (req.on_data) {
    // A key split between two reads is caught: the stream keeps back a tail that could be
    // the start of one until the next read (or the end) shows what it is.
    stream = std::make_shared<Redactor::Stream>(redactor);
    auto on_data = std::make_shared<std::function<void(std::string_view)>>(std::move(req.on_data));
    req.on_data = [stream, on_data](std::string_view bytes) {
      std::string clean;
      stream->Feed(bytes, &clean);
      // The callback may cancel this request, and with it this lambda: only locals after it.
      auto keep = on_data;
      if (!clean.empty()) (*keep)(clean);
    };
    // The clients call `done` from a node they took out first: it outlives the call, even if
    // the last piece of text makes the router cancel the request.
    done = [stream, on_data, user_done = std::move(done)](HttpResponse&& resp) {
      std::string rest;
      stream->Finish(&rest);
      if (!rest.empty()) (*on_data)(rest);
      user_done(std::move(resp));
    };
  }
  return inner_->Start(std::move(req), [redactor, done = std::move(done)](HttpResponse&& resp) {
    redactor->RedactInPlace(&resp.error_message);
    redactor->RedactInPlace(&resp.retry_after);
    redactor->RedactInPlace(&resp.retry_after_ms);
    if (redactor->RedactInPlace(&resp.body)) LeaveSpareRoom(&resp.body);
    done(std::move(resp));
  });
}

}  // namespace switchyard
