#include "wire/aws_event_stream.h"

#include <zlib.h>

namespace switchyard {
namespace {

uint32_t Be32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

void PutBe32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint32_t Crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// Bytes each header value type takes after its type byte; -1 for the length-prefixed ones
// (byte arrays and strings), -2 for a type that does not exist.
int FixedSize(unsigned char type) {
  switch (type) {
    case 0:  // true
    case 1:  // false
      return 0;
    case 2:  // byte
      return 1;
    case 3:  // short
      return 2;
    case 4:  // integer
      return 4;
    case 5:  // long
    case 8:  // timestamp
      return 8;
    case 6:  // byte array
    case 7:  // string
      return -1;
    case 9:  // uuid
      return 16;
    default:
      return -2;
  }
}

}  // namespace

std::string_view EventStreamMessage::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

void EventStreamParser::Feed(std::string_view bytes, const MessageFn& fn) {
  if (!error_.empty()) return;
  buffer_.append(bytes);
  size_t at = 0;
  while (buffer_.size() - at >= 12) {
    const char* p = buffer_.data() + at;
    uint32_t total = Be32(p);
    uint32_t headers_len = Be32(p + 4);
    if (Crc32(std::string_view(p, 8)) != Be32(p + 8)) {
      error_ = "event stream prelude checksum does not match";
      break;
    }
    if (total < 16 || total > kMaxMessageBytes || headers_len > total - 16) {
      error_ = "event stream message length " + std::to_string(total) + " cannot be";
      break;
    }
    if (buffer_.size() - at < total) break;
    std::string_view m(p, total);
    if (Crc32(m.substr(0, total - 4)) != Be32(p + total - 4)) {
      error_ = "event stream message checksum does not match";
      break;
    }
    EventStreamMessage msg;
    if (!Parse(m, &msg)) {
      error_ = "event stream headers cannot be read";
      break;
    }
    at += total;
    fn(msg);
    if (!error_.empty()) break;
  }
  if (!error_.empty()) {
    buffer_.clear();
    return;
  }
  buffer_.erase(0, at);
}

bool EventStreamParser::Parse(std::string_view m, EventStreamMessage* out) {
  uint32_t headers_len = Be32(m.data() + 4);
  std::string_view h = m.substr(12, headers_len);
  size_t i = 0;
  while (i < h.size()) {
    size_t name_len = static_cast<unsigned char>(h[i++]);
    if (i + name_len + 1 > h.size()) return false;
    std::string name(h.substr(i, name_len));
    i += name_len;
    unsigned char type = static_cast<unsigned char>(h[i++]);
    int fixed = FixedSize(type);
    if (fixed == -2) return false;
    if (fixed >= 0) {
      if (i + fixed > h.size()) return false;
      i += fixed;
      continue;
    }
    if (i + 2 > h.size()) return false;
    size_t len = static_cast<size_t>(static_cast<unsigned char>(h[i])) << 8 |
                 static_cast<unsigned char>(h[i + 1]);
    i += 2;
    if (i + len > h.size()) return false;
    if (type == 7) out->headers.emplace_back(std::move(name), std::string(h.substr(i, len)));
    i += len;
  }
  out->payload.assign(m.substr(12 + headers_len, m.size() - 16 - headers_len));
  return true;
}

std::string EncodeEventStreamMessage(
    const std::vector<std::pair<std::string, std::string>>& string_headers,
    std::string_view payload) {
  std::string headers;
  for (const auto& [name, value] : string_headers) {
    headers.push_back(static_cast<char>(name.size()));
    headers += name;
    headers.push_back(7);
    headers.push_back(static_cast<char>(value.size() >> 8));
    headers.push_back(static_cast<char>(value.size() & 0xff));
    headers += value;
  }
  std::string out;
  PutBe32(&out, static_cast<uint32_t>(16 + headers.size() + payload.size()));
  PutBe32(&out, static_cast<uint32_t>(headers.size()));
  PutBe32(&out, Crc32(out));
  out += headers;
  out += payload;
  PutBe32(&out, Crc32(out));
  return out;
}

}  // namespace switchyard
