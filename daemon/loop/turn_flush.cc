#include "loop/turn_flush.h"

#include <utility>

namespace switchyard {

TurnFlush::TurnFlush(uv_loop_t* loop, std::function<void()> before,
                     std::function<void(uint64_t)> flush, std::function<void()> after)
    : before_(std::move(before)), flush_(std::move(flush)), after_(std::move(after)) {
  uv_prepare_init(loop, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, [](uv_prepare_t* h) { static_cast<TurnFlush*>(h->data)->Run(); });
  uv_check_init(loop, &check_);
  check_.data = this;
  uv_check_start(&check_, [](uv_check_t* h) { static_cast<TurnFlush*>(h->data)->Run(); });
  // Neither keeps the loop alive on its own.
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
}

void TurnFlush::Run() {
  if (marked_.empty()) return;
  if (before_) before_();
  std::vector<uint64_t> ids;
  ids.swap(marked_);  // a flush may mark again (a connection closing, say)
  for (uint64_t id : ids) flush_(id);
  if (after_) after_();
}

void TurnFlush::Close() {
  Run();
  if (closed_) return;
  closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
}

}  // namespace switchyard
