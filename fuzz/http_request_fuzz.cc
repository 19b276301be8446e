// libFuzzer target: a client's bytes at the HTTP doors, through the request reader, read once
// whole and once split at a place the first byte picks. However the bytes arrive, the reader
// must find the same requests (pipelined ones too) and refuse at the same point, within
// its limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "front/http_request_reader.h"
#include "split_input.h"

using namespace switchyard;

namespace {

constexpr size_t kMaxHead = 512, kMaxBody = 1024;

struct Verdict {
  std::vector<std::string> requests;  // each one's method, target, headers and body
  int refused = 0;
};

Verdict Read(std::string_view bytes, size_t split) {
  HttpRequestReader reader(kMaxHead, kMaxBody);
  Verdict v;
  std::string pending;  // bytes read, not yet taken: the server's buffer
  for (std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
    pending.append(piece);
    while (!pending.empty() && v.refused == 0) {
      size_t used = 0;
      HttpRequestReader::Result r = reader.Feed(pending, &used);
      pending.erase(0, used);
      if (r == HttpRequestReader::Result::kRefused) {
        v.refused = reader.status();
      } else if (r == HttpRequestReader::Result::kRequest) {
        HttpRequestIn req = reader.Take();
        if (req.body.size() > kMaxBody) __builtin_trap();
        std::string s = req.method + " " + req.target + (reader.keep_alive() ? " k\n" : " c\n");
        for (const auto& [k, val] : req.headers) s += k + ": " + val + "\n";
        v.requests.push_back(s + "\n" + req.body);
        reader.Resume();
      } else {
        break;  // more bytes needed
      }
    }
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto [bytes, split] = switchyard::ReadSplitInput(data, size);
  Verdict whole = Read(bytes, bytes.size());
  Verdict parts = Read(bytes, split);
  if (whole.requests != parts.requests || whole.refused != parts.refused) __builtin_trap();
  if (whole.refused != 0 && whole.refused != 400 && whole.refused != 413 && whole.refused != 431) {
    __builtin_trap();
  }
  return 0;
}
