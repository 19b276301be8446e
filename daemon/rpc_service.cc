#include "rpc_service.h"

#include "base/utf8.h"
#include "protocol/codec.h"
#include "version.h"

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
    on_chunk = [this, conn, msgid, index = int64_t{0}](std::string_view text) mutable {
      StreamChunk c;
      c.msgid = msgid;
      c.index = index++;
      c.content.assign(text);
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
  StatusResult st;
  st.version = kSwitchyardVersion;
  st.uptime_ms = ctx_.clock->NowMs() - ctx_.started_ms;
  st.requests_in_flight = static_cast<int64_t>(ctx_.router->in_flight());
  st.connections = static_cast<int64_t>(server_->connections());
  ctx_.router->FillStatus(&st);
  if (ctx_.store) {
    StoreStats ss = ctx_.store->Stats();
    st.history.enabled = true;
    st.history.queued_rows = ss.queued_rows;
    st.history.written_rows = ss.written_rows;
    st.history.dropped_rows = ss.dropped_rows;
    st.history.write_errors = ss.write_errors;
  }
  server_->Send(conn, EncodeStatusResponse(msgid, st));
}

}  // namespace switchyard
