// An HttpClient that records requests and lets the test answer them.
#pragma once

#include <map>
#include <string>

#include "http/http_client.h"

namespace switchyard {

class FakeHttpClient final : public HttpClient {
 public:
  struct Call {
    HttpRequest req;
    Callback done;
  };

  Id Start(HttpRequest req, Callback done) override {
    Id id = next_++;
    calls_[id] = Call{std::move(req), std::move(done)};
    order_.push_back(id);
    return id;
  }

  void Cancel(Id id) override {
    if (calls_.erase(id)) ++cancelled_;
  }

  // Answers the oldest open call.
  void Reply(int64_t status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    ReplyWith(std::move(r));
  }

  void ReplyWith(HttpResponse r) {
    Id id = OldestOpen();
    Callback done = std::move(calls_.at(id).done);
    calls_.erase(id);
    done(std::move(r));
  }

  const HttpRequest& OldestOpenRequest() const { return calls_.at(OldestOpen()).req; }
  size_t open() const { return calls_.size(); }
  size_t started() const { return order_.size(); }
  int cancelled() const { return cancelled_; }

 private:
  Id OldestOpen() const { return calls_.begin()->first; }

  Id next_ = 1;
  std::map<Id, Call> calls_;
  std::vector<Id> order_;
  int cancelled_ = 0;
};

}  // namespace switchyard
