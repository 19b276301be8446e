// An HttpClient that records requests and lets the test answer them.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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
    size_t at = req.body.find("\"model\":\"");
    if (at != std::string::npos) {
      size_t start = at + 9;
      ++started_for_[req.body.substr(start, req.body.find('"', start) - start)];
    }
    sent_[id] = req.body;
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

  // Answers the open call whose body names model `id`.
  void ReplyFor(const std::string& id, HttpResponse r) {
    for (auto& [cid, call] : calls_) {
      if (call.req.body.find("\"model\":\"" + id + "\"") != std::string::npos) {
        Callback done = std::move(call.done);
        calls_.erase(cid);
        done(std::move(r));
        return;
      }
    }
    throw std::runtime_error("no open call for " + id);
  }

  // Streams: hands `bytes` of a 2xx body to the open call for model `id`, as curl would.
  void StreamFor(const std::string& id, std::string_view bytes) {
    for (auto& [cid, call] : calls_) {
      if (call.req.body.find("\"model\":\"" + id + "\"") != std::string::npos) {
        if (!call.req.on_data) throw std::runtime_error("call for " + id + " is not a stream");
        // A copy: the callback may cancel the call, destroying the request.
        auto on_data = call.req.on_data;
        on_data(bytes);
        return;
      }
    }
    throw std::runtime_error("no open call for " + id);
  }

  // The body sent for model `id` (its most recent call).
  std::string BodyFor(const std::string& id) const {
    std::string body;
    for (const auto& [cid, req] : sent_) {
      if (req.find("\"model\":\"" + id + "\"") != std::string::npos) body = req;
    }
    return body;
  }

  bool OpenFor(const std::string& id) const {
    for (const auto& [cid, call] : calls_) {
      if (call.req.body.find("\"model\":\"" + id + "\"") != std::string::npos) return true;
    }
    return false;
  }

  // How many calls were started for model `id`.
  int StartedFor(const std::string& id) const {
    return started_for_.count(id) ? started_for_.at(id) : 0;
  }

  const HttpRequest& OldestOpenRequest() const { return calls_.at(OldestOpen()).req; }
  size_t open() const { return calls_.size(); }
  size_t started() const { return order_.size(); }
  int cancelled() const { return cancelled_; }

 private:
  Id OldestOpen() const { return calls_.begin()->first; }

  Id next_ = 1;
  std::map<Id, Call> calls_;
  std::map<Id, std::string> sent_;
  std::vector<Id> order_;
  std::map<std::string, int> started_for_;
  int cancelled_ = 0;
};

}  // namespace switchyard
