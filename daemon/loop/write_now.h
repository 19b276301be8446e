// Writing to a libuv stream without a write request when the socket takes it all.
//
// uv_write of bytes the socket accepts at once still costs a request, a callback on the
// next turn and an epoll_ctl (libuv re-arms the descriptor after every queued write), one
// system call an answer. Most answers fit in a socket's buffer, so the writers here try
// first and queue only the rest.
#pragma once

#include <uv.h>

#include <cstddef>

namespace switchyard {

// Writes what `stream` takes now of `bufs`: the number of bytes written (0 when the socket
// is full), or a negative libuv error. Only for a stream with no write queued.
ptrdiff_t WriteNow(uv_stream_t* stream, const uv_buf_t* bufs, unsigned nbufs);

}  // namespace switchyard
