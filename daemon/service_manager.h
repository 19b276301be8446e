// What systemd wants from a Type=notify service, and what it may give: READY=1 once the
// socket and history are open, a one-line STATUS=, WATCHDOG=1 pings from the event loop
// (so a stuck loop is restarted), RELOADING=1/STOPPING=1, and a listening socket passed by
// socket activation. Outside systemd every call is a no-op.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "base/status.h"

namespace switchyard {

class ServiceManager {
 public:
  // `loop` must outlive this object; loop thread only.
  explicit ServiceManager(uv_loop_t* loop);
  ServiceManager(const ServiceManager&) = delete;
  ServiceManager& operator=(const ServiceManager&) = delete;

  // The listening Unix socket systemd passed, or -1 when not socket-activated. An error if
  // systemd passed something else.
  static Status PassedSocket(int* fd);

  void Ready(const std::string& status);
  void Reloading();
  void Stopping();
  // Starts WATCHDOG=1 pings at half of WatchdogSec (when set) and a STATUS= line from
  // `status` every few seconds.
  void Start(std::function<std::string()> status);
  // Stops the timer; the loop can then finish.
  void Close();

 private:
  static void OnTick(uv_timer_t* t);

  uv_timer_t timer_;
  bool started_ = false;
  uint64_t watchdog_usec_ = 0;
  uint64_t ticks_ = 0;
  uint64_t ticks_per_status_ = 1;
  std::function<std::string()> status_;
};

}  // namespace switchyard
