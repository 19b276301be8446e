// AWS's binary event stream (application/vnd.amazon.eventstream), as Bedrock's ConverseStream
// sends it: messages of a 12-byte prelude (total length, headers length, the prelude's CRC32),
// typed headers, a payload and the message's CRC32, all big-endian. Bytes arrive in any
// pieces; a message is handed on only whole and with both checksums right. A checksum that
// does not match, or lengths that cannot be, end the stream: nothing after them can be
// trusted to start a message.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard {

struct EventStreamMessage {
  // Headers whose value is a string (":event-type", ":message-type", ":exception-type",
  // ":content-type"); other types are read past.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
  // The header's value, or "".
  std::string_view Header(std::string_view name) const;
};

class EventStreamParser {
 public:
  using MessageFn = std::function<void(const EventStreamMessage&)>;
  // Calls `fn` for each message `bytes` completes. After an error, ignores everything.
  void Feed(std::string_view bytes, const MessageFn& fn);
  // Why the stream broke; "" while it has not.
  const std::string& error() const { return error_; }

  // The 16 bytes of framing plus this many of headers and payload are the most one message
  // may take (AWS's limit is 16 MiB; a length past it is garbage, not a message).
  static constexpr uint32_t kMaxMessageBytes = 16 << 20;

 private:
  bool Parse(std::string_view m, EventStreamMessage* out);

  std::string buffer_;
  std::string error_;
};

// A message framed as AWS frames it: what the fake Bedrock sends, and what tests feed.
std::string EncodeEventStreamMessage(
    const std::vector<std::pair<std::string, std::string>>& string_headers,
    std::string_view payload);

}  // namespace switchyard
