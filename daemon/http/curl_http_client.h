// HttpClient on libcurl's multi-socket interface, driven by a libuv loop: curl tells us
// which sockets to watch (uv_poll) and when to wake it (uv_timer), so every transfer runs on
// the loop thread without blocking it. Connections are kept and reused; HTTP/2 over TLS
// when the provider offers it. This is the only file pair that includes curl.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/http_client.h"

namespace switchyard {

class CurlHttpClient final : public HttpClient {
 public:
  // `loop` must outlive this object. Call only from the loop's thread.
  explicit CurlHttpClient(uv_loop_t* loop);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Id Start(HttpRequest req, Callback done) override;
  void Cancel(Id id) override;

  // Cancels every transfer and closes every handle; the loop can then finish. Required
  // before destruction if the loop ran.
  void Close();

  size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer;
  struct Socket;
  struct HeaderList;
  // A handle kept between transfers, with the options that stay the same already set.
  struct IdleEasy {
    void* easy;           // CURL*
    std::string ca_file;  // the CA option it carries
    bool signed_aws;      // it carries SigV4 options, which cannot be unset one by one
  };

  static int OnCurlSocket(void* easy, int fd, int what, void* userp, void* socketp);
  static int OnCurlTimer(void* multi, long timeout_ms, void* userp);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnTimer(uv_timer_t* handle);
  static size_t OnBody(char* data, size_t size, size_t n, void* userp);
  static size_t OnHeader(char* data, size_t size, size_t n, void* userp);
  // The options every transfer shares: set once per handle, not per transfer.
  static void SetConstantOptions(void* easy, const std::string& ca_file);

  void Drive(int fd, int ev_bitmask);
  // Hands streamed bytes to their on_data callbacks, outside curl's callbacks.
  void FlushStreams();
  void CollectDone();
  void Release(Transfer* t);
  // curl's list for `lines`, built on first use and kept while its provider lives.
  // `lines` as curl's list. A signed request's list leaves Expect alone: curl's SigV4 would
  // sign the empty "Expect:" that turns it off, and no server would see it to check.
  std::shared_ptr<HeaderList> HeadersFor(const HeaderLines& lines, bool signed_request);

  uv_loop_t* loop_;
  void* multi_;  // CURLM*, kept opaque so this header does not include curl
  uv_timer_t timer_;
  bool closed_ = false;
  Id next_id_ = 1;
  std::unordered_map<Id, std::unique_ptr<Transfer>> transfers_;
  std::unordered_set<Socket*> sockets_;            // every poll handle, active or idle
  std::unordered_map<int, Socket*> idle_sockets_;  // stopped ones, by descriptor
  std::vector<IdleEasy> idle_easies_;
  // By HeaderLines, and whether for signed requests.
  std::map<std::pair<const void*, bool>, std::shared_ptr<HeaderList>> header_lists_;
  std::vector<Id> streaming_ready_;  // transfers with streamed bytes to hand over
};

}  // namespace switchyard
