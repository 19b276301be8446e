#include "loop/uv_timers.h"

namespace switchyard {

struct UvTimers::Entry {
  uv_timer_t handle;
  UvTimers* owner;
  Id id;
  std::function<void()> fn;
};

UvTimers::~UvTimers() { StopAll(); }

Timers::Id UvTimers::Start(int64_t delay_ms, std::function<void()> fn) {
  auto* e = new Entry;
  e->owner = this;
  e->id = next_id_++;
  e->fn = std::move(fn);
  uv_timer_init(loop_, &e->handle);
  // The loop's cached time may lag: without this a timer can fire a little early as the
  // callers measure it.
  uv_update_time(loop_);
  e->handle.data = e;
  uv_timer_start(&e->handle, &UvTimers::OnFire, static_cast<uint64_t>(delay_ms < 0 ? 0 : delay_ms),
                 0);
  live_.emplace(e->id, e);
  return e->id;
}

void UvTimers::Stop(Id id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  Entry* e = it->second;
  live_.erase(it);
  e->owner = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&e->handle), &UvTimers::OnClosed);
}

void UvTimers::StopAll() {
  while (!live_.empty()) Stop(live_.begin()->first);
}

void UvTimers::OnFire(uv_timer_t* handle) {
  auto* e = static_cast<Entry*>(handle->data);
  UvTimers* self = e->owner;
  self->live_.erase(e->id);
  e->owner = nullptr;
  std::function<void()> fn = std::move(e->fn);
  uv_close(reinterpret_cast<uv_handle_t*>(&e->handle), &UvTimers::OnClosed);
  fn();
}

void UvTimers::OnClosed(uv_handle_t* handle) { delete static_cast<Entry*>(handle->data); }

}  // namespace switchyard
