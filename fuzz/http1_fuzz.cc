// libFuzzer target: a provider's HTTP/1.1 answer, as bytes off the socket, through the
// response parser, read once whole and once split at a place the first byte picks. However
// the bytes arrive, the parser must reach the same verdict with the same body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/http1_response.h"
#include "split_input.h"

using namespace switchyard;

namespace {

struct Verdict {
  Http1Response::State state;
  int status;
  bool keep_alive;
  std::string body;
  size_t taken;
};

Verdict Read(std::string_view bytes, size_t split) {
  Http1Response r;
  std::string body;
  size_t taken = 0;
  for (std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
    size_t at = 0;
    while (at < piece.size() &&
           (r.state() == Http1Response::State::kHead || r.state() == Http1Response::State::kBody)) {
      size_t n = r.Feed(piece.substr(at), &body);
      if (n == 0) break;
      at += n;
    }
    taken += at;
    if (at < piece.size()) break;  // done or refused: the rest is not this answer's
  }
  r.Eof();
  return {r.state(), r.status(), r.keep_alive(), body, taken};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto [bytes, split] = switchyard::ReadSplitInput(data, size);
  Verdict whole = Read(bytes, bytes.size());
  Verdict parts = Read(bytes, split);
  if (whole.state != parts.state || whole.status != parts.status ||
      whole.keep_alive != parts.keep_alive || whole.body != parts.body ||
      // Where a refused answer stops being read is of no consequence: the connection is shut.
      (whole.state != Http1Response::State::kError && whole.taken != parts.taken)) {
    __builtin_trap();
  }
  // The body is a subset of what came in, never more.
  if (whole.body.size() > bytes.size()) __builtin_trap();
  return 0;
}
