// The MessagePack-RPC methods of schema/protocol.md: `complete`, `status` and `ping`, decoded
// from a connection's frames, answered through the router, and encoded back onto that
// connection. The socket layer calls it as its Server::Handler; the daemon wires it.
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "fleet/fleet.h"
#include "ipc/server.h"
#include "router/router.h"
#include "store/store.h"

namespace switchyard {

class RpcService final : public Server::Handler {
 public:
  // What it answers with; everything must outlive it. `store` is null with history off.
  struct Context {
    Router* router = nullptr;
    const Store* store = nullptr;
    const Fleet* fleet = nullptr;  // null: no fleet
    const Clock* clock = nullptr;
    int64_t started_ms = 0;  // clock's NowMs() at start, for the uptime
  };
  explicit RpcService(const Context& ctx) : ctx_(ctx) {}

  // Where answers go out: the server that calls this (built after it, with it as handler).
  void set_server(Server* server) { server_ = server; }
  // From now on `complete` is answered `shutting_down` (the daemon is draining).
  void StopTakingRequests() { stopping_ = true; }

  void OnCall(uint64_t conn, const Envelope& call) override;
  // The connection's requests in flight are abandoned: nobody is left to answer.
  void OnClosed(uint64_t conn) override;

 private:
  void OnComplete(uint64_t conn, uint32_t msgid, const Envelope& call);
  void OnStatus(uint64_t conn, uint32_t msgid);
  void SendError(uint64_t conn, uint32_t msgid, const char* code, std::string message);

  Context ctx_;
  Server* server_ = nullptr;
  bool stopping_ = false;
};

}  // namespace switchyard
