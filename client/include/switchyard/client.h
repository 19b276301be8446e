// switchyard-client: talks to switchyardd over its Unix socket.
//
// One Client holds one connection and may be used from many threads at once: calls are
// multiplexed by msgid and answered in completion order, so a slow request never holds up
// a fast one. A reader thread owned by the Client receives the answers; asynchronous
// callbacks run on it and must not block.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "protocol/messages.h"

namespace switchyard {

// What came back from a call. `status` is the transport: not OK when the daemon could not
// be reached or the connection broke. With `status` OK, either `ok` and `result`, or the
// daemon's `error` (code and message, and for complete the attempts made).
struct CompleteReply {
  Status status;
  bool ok = false;
  CompleteResult result;
  RpcError error;
};

struct StatusReply {
  Status status;
  bool ok = false;
  StatusResult result;
  RpcError error;
};

class Client {
 public:
  // Connects to `socket_path`.
  static Status Connect(const std::string& socket_path, std::unique_ptr<Client>* out);
  // Closes the connection; calls still waiting fail with an Unavailable status.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Blocking calls; any thread.
  CompleteReply Complete(const CompleteRequest& req);
  StatusReply GetStatus();
  Status Ping();

  // Returns at once; `done` runs once, on the reader thread (or on this thread when the
  // request cannot be sent).
  void CompleteAsync(const CompleteRequest& req, std::function<void(CompleteReply)> done);

  // Streams the answer: `on_chunk` runs on the reader thread for each piece of text, in
  // order, before the reply (whose result holds the whole answer). If the stream breaks
  // after text was sent, the reply's error code is "partial_answer".
  CompleteReply CompleteStream(const CompleteRequest& req,
                               std::function<void(const StreamChunk&)> on_chunk);
  void CompleteStreamAsync(const CompleteRequest& req,
                           std::function<void(const StreamChunk&)> on_chunk,
                           std::function<void(CompleteReply)> done);

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard
