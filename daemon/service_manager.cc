#include "service_manager.h"

#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace switchyard {
namespace {

constexpr uint64_t kStatusEveryMs = 5000;

}  // namespace

ServiceManager::ServiceManager(uv_loop_t* loop) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
}

Status ServiceManager::PassedSocket(int* fd) {
  *fd = -1;
  int n = sd_listen_fds(1);  // 1: unset LISTEN_* so children do not inherit them
  if (n < 0) return Status::Internal(std::string("sd_listen_fds: ") + strerror(-n));
  if (n == 0) return Status::Ok();
  if (n > 1)
    return Status::InvalidArgument("systemd passed " + std::to_string(n) +
                                   " sockets; expected one");
  if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, nullptr, 0) <= 0) {
    return Status::InvalidArgument(
        "the socket systemd passed is not a listening Unix stream socket");
  }
  *fd = SD_LISTEN_FDS_START;
  return Status::Ok();
}

void ServiceManager::Ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void ServiceManager::Reloading() { sd_notify(0, "RELOADING=1"); }

void ServiceManager::Stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping: draining requests"); }

void ServiceManager::Start(std::function<std::string()> status) {
  status_ = std::move(status);
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_usec_ = usec;
  // Tick at half the watchdog interval (or every status period), and send STATUS= every
  // kStatusEveryMs worth of ticks.
  uint64_t tick_ms = kStatusEveryMs;
  if (watchdog_usec_ > 0)
    tick_ms = std::max<uint64_t>(1, std::min<uint64_t>(tick_ms, watchdog_usec_ / 2000));
  ticks_per_status_ = std::max<uint64_t>(1, kStatusEveryMs / tick_ms);
  if (!std::getenv("NOTIFY_SOCKET")) return;  // not run by systemd: nobody listens
  started_ = true;
  uv_timer_start(&timer_, &ServiceManager::OnTick, tick_ms, tick_ms);
  // Do not keep the loop alive on our account.
  uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
}

void ServiceManager::OnTick(uv_timer_t* t) {
  auto* self = static_cast<ServiceManager*>(t->data);
  // From the loop thread: if the loop is stuck, these stop, and systemd restarts us.
  std::string msg;
  if (self->watchdog_usec_ > 0) msg = "WATCHDOG=1";
  if (self->ticks_++ % self->ticks_per_status_ == 0 && self->status_) {
    if (!msg.empty()) msg += "\n";
    msg += "STATUS=" + self->status_();
  }
  if (!msg.empty()) sd_notify(0, msg.c_str());
}

void ServiceManager::Close() {
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  }
}

}  // namespace switchyard
