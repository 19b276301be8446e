#include "loop/write_now.h"

namespace switchyard {

ptrdiff_t WriteNow(uv_stream_t* stream, const uv_buf_t* bufs, unsigned nbufs) {
  int n = uv_try_write(stream, bufs, nbufs);
  return n == UV_EAGAIN ? 0 : n;
}

}  // namespace switchyard
