// One HTTP/1.1 response read incrementally off a connection: the status line, the headers
// the daemon uses, and the body, framed by Content-Length, chunked encoding, or the close of
// the connection. Pure: bytes in, body bytes out, no I/O, so every framing and every way a
// provider can cut an answer short is tested without a socket.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard {

class Http1Response {
 public:
  enum class State {
    kHead,   // reading the status line and headers
    kBody,   // head done; reading the body
    kDone,   // the whole response is read
    kError,  // not HTTP, or framed in a way we refuse; error() says how
  };

  // Ready for the next response on a kept connection.
  void Reset();

  // Reads what it can of `data`, appending body bytes (chunk framing removed) to *body.
  // Returns how many bytes it took. It stops early once the head is complete, so the caller
  // can choose where the body goes from the status, and once the response is done (the rest
  // is not this response's); call again with the rest while the state is kHead or kBody.
  size_t Feed(std::string_view data, std::string* body);

  // The peer closed the connection. A body framed by the close ends there (kDone); anything
  // else was cut off (kError).
  void Eof();

  State state() const { return state_; }
  bool head_done() const { return state_ == State::kBody || state_ == State::kDone; }
  const std::string& error() const { return error_; }
  int status() const { return status_; }
  // Whether the connection may carry another request once this response is done.
  bool keep_alive() const { return keep_alive_; }
  // Content-Length, or -1 when the body is chunked or read to the close.
  int64_t content_length() const { return framing_ == Framing::kLength ? length_ : -1; }
  // Bytes of the response read so far, head included: zero means the peer sent nothing.
  uint64_t bytes_read() const { return bytes_read_; }
  const std::string& retry_after() const { return retry_after_; }
  const std::string& retry_after_ms() const { return retry_after_ms_; }

 private:
  enum class Framing { kNone, kLength, kChunked, kUntilClose };
  enum class Chunk { kSize, kData, kDataEnd, kTrailer };

  size_t FeedHead(std::string_view data);
  size_t FeedChunked(std::string_view data, std::string* body);
  void ParseHead();  // head_ holds the whole head
  void Fail(std::string why);
  void Finish() { state_ = State::kDone; }

  State state_ = State::kHead;
  std::string error_;
  std::string head_;  // the head so far, until its blank line
  int eol_ = 0;       // 0: inside a line; 1: just after its LF; 2: after a CR that follows one
  int status_ = 0;
  bool keep_alive_ = true;
  Framing framing_ = Framing::kNone;
  int64_t length_ = -1;     // Content-Length as sent
  uint64_t remaining_ = 0;  // of the body (kLength) or of the current chunk (kData)
  Chunk chunk_ = Chunk::kSize;
  std::string line_;  // a chunk-size or trailer line so far
  uint64_t bytes_read_ = 0;
  std::string retry_after_;
  std::string retry_after_ms_;
};

}  // namespace switchyard
