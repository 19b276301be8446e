#include "rpc_service.h"

#include "base/utf8.h"
#include "protocol/codec.h"
#include "status_snapshot.h"

namespace switchyard {

void RpcService::OnClosed(uint64_t conn) { ctx_.router->AbandonFrom(conn, "client went away"); }

void RpcService::OnCall(uint64_t conn, const Envelope& call) {
  if (call.method == "complete") {
    OnComplete(conn, call.msgid, call);
  } else if (call.method == "status") {
    OnStatus(conn, call.msgid);
  } else if (call.method == "ping") {
    server_->Send(conn, EncodePongResponse(call.msgid));
  } else {
    SendError(conn, call.msgid, "no_such_method",
              "unknown method '" + Printable(call.method) + "'; try complete, status or ping");
  }
}

void RpcService::SendError(uint64_t conn, uint32_t msgid, const char* code, std::string message) {
  RpcError e;
  e.code = code;
  e.message = std::move(message);
  server_->Send(conn, EncodeErrorResponse(msgid, e));
}

void RpcService::OnComplete(uint64_t conn, uint32_t msgid, const Envelope& call) {
  CompleteRequest req;
  Status s = DecodeCompleteRequest(call.arg, &req);
  if (!s.ok()) {
    SendError(conn, msgid, "bad_request", s.message());
    return;
  }
  if (stopping_) {
    SendError(conn, msgid, "shutting_down", "the daemon is stopping");
    return;
  }
  Router::Chunk on_chunk;
  if (req.stream) {
    on_chunk = [this, conn, msgid, index = int64_t{0}](std::string_view /*model*/,
                                                       const StreamDelta& delta) mutable {
      StreamChunk c;
      c.msgid = msgid;
      c.index = index++;
      c.content = delta.text;
      c.tool_calls = delta.tool_calls;
      server_->Send(conn, EncodeChunkNotification(c));
    };
  }
  ctx_.router->Complete(
      std::move(req),
      [this, conn, msgid](RouteResponse&& r) {
        if (r.ok) {
          server_->Send(conn, EncodeCompleteResponse(msgid, r.result));
        } else {
          server_->Send(conn, EncodeErrorResponse(msgid, r.error));
        }
      },
      std::move(on_chunk), RequestOrigin{server_->ClientOf(conn), conn});
}

void RpcService::OnStatus(uint64_t conn, uint32_t msgid) {
  StatusResult st = StatusSnapshot(*ctx_.router, ctx_.store, ctx_.fleet, *ctx_.clock,
                                   ctx_.started_ms, static_cast<int64_t>(server_->connections()));
  server_->Send(conn, EncodeStatusResponse(msgid, st));
}

}  // namespace switchyard
