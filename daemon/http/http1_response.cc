#include "http/http1_response.h"

#include <algorithm>
#include <cstring>

namespace switchyard {
namespace {

constexpr size_t kMaxHeadBytes = 64 << 10;  // a provider's head is a few hundred bytes
constexpr size_t kMaxChunkLine = 1024;      // a size in hex, perhaps with extensions
constexpr size_t kMaxTrailerLine = 8 << 10;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list `value` holds `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (EqualsNoCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// The last coding of a Transfer-Encoding list.
std::string_view LastToken(std::string_view value) {
  size_t comma = value.rfind(',');
  return Trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

bool ParseDecimal(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// A chunk-size line without its line ending: hex digits, then perhaps ";extensions".
bool ParseChunkSize(std::string_view line, uint64_t* out) {
  size_t end = line.find_first_of("; \t");
  std::string_view hex = line.substr(0, end);
  if (hex.empty() || hex.size() > 15) return false;  // 15 hex digits: under 2^60 bytes
  uint64_t v = 0;
  for (char c : hex) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace

void Http1Response::Reset() {
  // Anew, but the head's and line's buffers keep their capacity from one answer to the next.
  std::string head = std::move(head_);
  std::string line = std::move(line_);
  *this = Http1Response();
  head_ = std::move(head);
  head_.clear();
  line_ = std::move(line);
  line_.clear();
}

void Http1Response::Fail(std::string why) {
  state_ = State::kError;
  error_ = std::move(why);
  keep_alive_ = false;
}

size_t Http1Response::Feed(std::string_view data, std::string* body) {
  size_t taken = 0;
  while (state_ == State::kHead && taken < data.size()) {
    taken += FeedHead(data.substr(taken));
    if (head_done()) {
      bytes_read_ += taken;
      return taken;  // the caller picks where the body goes
    }
  }
  if (state_ == State::kBody && taken < data.size()) {
    std::string_view rest = data.substr(taken);
    switch (framing_) {
      case Framing::kLength: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        body->append(rest.data(), n);
        remaining_ -= n;
        taken += n;
        if (remaining_ == 0) Finish();
        break;
      }
      case Framing::kChunked:
        taken += FeedChunked(rest, body);
        break;
      case Framing::kUntilClose:
        body->append(rest.data(), rest.size());
        taken += rest.size();
        break;
      case Framing::kNone:
        break;
    }
  }
  bytes_read_ += taken;
  return taken;
}

size_t Http1Response::FeedHead(std::string_view data) {
  // The head ends at its first empty line; a bare LF counts as a line ending too.
  size_t i = 0;
  bool complete = false;
  while (i < data.size() && !complete) {
    char c = data[i++];
    if (c == '\n') {
      complete = eol_ != 0;
      eol_ = 1;
    } else {
      eol_ = c == '\r' && eol_ == 1 ? 2 : 0;
    }
  }
  if (head_.size() + i > kMaxHeadBytes) {
    Fail("the answer's head is over " + std::to_string(kMaxHeadBytes) + " bytes");
    return i;
  }
  head_.append(data.data(), i);
  if (complete) ParseHead();
  return i;
}

void Http1Response::ParseHead() {
  std::string_view head = head_;
  size_t eol = head.find('\n');
  std::string_view status_line = Trim(head.substr(0, eol));
  // "HTTP/1.1 200 OK": the reason phrase may be empty or missing.
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      (status_line[7] != '0' && status_line[7] != '1') || status_line[8] != ' ' ||
      status_line[9] < '1' || status_line[9] > '5' || status_line[10] < '0' ||
      status_line[10] > '9' || status_line[11] < '0' || status_line[11] > '9' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    Fail("not an HTTP/1.x answer: \"" + std::string(status_line.substr(0, 40)) + "\"");
    return;
  }
  bool http10 = status_line[7] == '0';
  keep_alive_ = !http10;
  status_ = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  int64_t length = -1;
  bool chunked = false;
  bool other_coding = false;
  head.remove_prefix(eol + 1);
  while (!head.empty()) {
    eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      Fail("the answer has a folded header line, which HTTP/1.1 forbids");
      return;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      Fail("the answer has a header line without a name: \"" + std::string(line.substr(0, 40)) +
           "\"");
      return;
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsNoCase(name, "content-length")) {
      int64_t v = 0;
      if (!ParseDecimal(value, &v) || (length >= 0 && v != length)) {
        Fail("the answer's Content-Length is not one number");
        return;
      }
      length = v;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      chunked = EqualsNoCase(LastToken(value), "chunked");
      other_coding = !chunked;
    } else if (EqualsNoCase(name, "connection")) {
      if (HasToken(value, "close")) keep_alive_ = false;
      if (http10 && HasToken(value, "keep-alive")) keep_alive_ = true;
    } else if (EqualsNoCase(name, "retry-after")) {
      retry_after_ = value;
    } else if (EqualsNoCase(name, "retry-after-ms")) {
      retry_after_ms_ = value;
    }
  }
  head_.clear();
  if (status_ >= 100 && status_ < 200) {
    if (status_ == 101) {
      Fail("the provider switched protocols (101), which was not asked for");
      return;
    }
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    status_ = 0;
    eol_ = 0;
    retry_after_.clear();
    retry_after_ms_.clear();
    return;
  }
  state_ = State::kBody;
  if (status_ == 204 || status_ == 304) {
    Finish();
  } else if (chunked) {
    framing_ = Framing::kChunked;
  } else if (other_coding || length < 0) {
    // No length and not chunked: the body is whatever comes before the close (RFC 9112 6.3).
    framing_ = Framing::kUntilClose;
    keep_alive_ = false;
  } else {
    framing_ = Framing::kLength;
    length_ = length;
    remaining_ = static_cast<uint64_t>(length);
    if (remaining_ == 0) Finish();
  }
}

size_t Http1Response::FeedChunked(std::string_view data, std::string* body) {
  size_t i = 0;
  while (i < data.size() && state_ == State::kBody) {
    if (chunk_ == Chunk::kData) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size() - i));
      body->append(data.data() + i, n);
      remaining_ -= n;
      i += n;
      if (remaining_ == 0) chunk_ = Chunk::kDataEnd;
      continue;
    }
    // The other states read a line: a size, the CRLF after a chunk's data, or a trailer.
    const char* nl = static_cast<const char*>(std::memchr(data.data() + i, '\n', data.size() - i));
    size_t end = nl ? static_cast<size_t>(nl - data.data()) : data.size();
    size_t limit = chunk_ == Chunk::kTrailer ? kMaxTrailerLine : kMaxChunkLine;
    if (line_.size() + (end - i) > limit) {
      Fail("the answer's chunked framing is malformed (a line over " + std::to_string(limit) +
           " bytes)");
      return i;
    }
    line_.append(data.data() + i, end - i);
    if (!nl) return data.size();
    i = end + 1;
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    switch (chunk_) {
      case Chunk::kSize: {
        uint64_t size = 0;
        if (!ParseChunkSize(line, &size)) {
          Fail("the answer's chunked framing is malformed (bad chunk size \"" +
               std::string(line.substr(0, 20)) + "\")");
          return i;
        }
        remaining_ = size;
        chunk_ = size == 0 ? Chunk::kTrailer : Chunk::kData;
        break;
      }
      case Chunk::kDataEnd:
        if (!line.empty()) {
          Fail("the answer's chunked framing is malformed (a chunk longer than its size)");
          return i;
        }
        chunk_ = Chunk::kSize;
        break;
      case Chunk::kTrailer:
        if (line.empty()) Finish();  // trailer fields themselves are of no use here
        break;
      case Chunk::kData:
        break;
    }
    line_.clear();
  }
  return i;
}

void Http1Response::Eof() {
  switch (state_) {
    case State::kDone:
    case State::kError:
      return;
    case State::kHead:
      Fail(bytes_read_ == 0 && head_.empty()
               ? "the provider closed the connection without answering"
               : "the provider closed the connection in the middle of the answer's head");
      return;
    case State::kBody:
      break;
  }
  switch (framing_) {
    case Framing::kUntilClose:
      Finish();
      return;
    case Framing::kLength:
      Fail("answer cut off: the connection closed after " +
           std::to_string(static_cast<uint64_t>(length_) - remaining_) + " of " +
           std::to_string(length_) + " body bytes");
      return;
    default:
      Fail("answer cut off: the connection closed inside its chunked body");
      return;
  }
}

}  // namespace switchyard
