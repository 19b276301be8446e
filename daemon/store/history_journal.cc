#include "store/history_journal.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "store/record_codec.h"

namespace switchyard {
namespace {

// A frame: what one Flush wrote. The header says how long the payload is and lets a reader
// tell a whole frame from one cut short.
struct FrameHeader {
  uint32_t magic;
  uint32_t format;  // kRecordFormat of the records in it
  uint64_t length;
  uint64_t last_seq;
  uint64_t checksum;  // Checksum() of the payload
};
constexpr uint32_t kMagic = 0x4a594853;  // "SHYJ"
// Past this a file is handed over to the other once the other is empty.
constexpr int64_t kTurnBytes = int64_t{4} << 20;

// Tells a frame from garbage (a file's tail after a machine crash): FNV's multiply, eight
// bytes at a time, since it runs over every record on the loop thread.
uint64_t Checksum(std::string_view s) {
  constexpr uint64_t kPrime = 1099511628211ULL;
  uint64_t h = 14695981039346656037ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kPrime;
    h ^= h >> 29;
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * kPrime;
  return h;
}

Status ReadAll(int fd, const std::string& path, std::string* out) {
  if (lseek(fd, 0, SEEK_SET) < 0) return Status::IoError(path + ": " + std::strerror(errno));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) return Status::Ok();
    out->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

Status HistoryJournal::Open(const std::string& history_path, std::unique_ptr<HistoryJournal>* out) {
  std::unique_ptr<HistoryJournal> j(new HistoryJournal());
  for (int i = 0; i < 2; ++i) {
    File& f = j->files_[i];
    f.path = history_path + ".journal-" + std::to_string(i);
    f.fd = open(f.path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (f.fd < 0) return Status::IoError("cannot open " + f.path + ": " + std::strerror(errno));
  }
  *out = std::move(j);
  return Status::Ok();
}

HistoryJournal::~HistoryJournal() {
  for (File& f : files_) {
    if (f.fd >= 0) close(f.fd);
  }
}

Status HistoryJournal::Recover(const std::function<Status(std::string_view)>& fn,
                               int64_t* skipped) {
  *skipped = 0;
  struct Frame {
    uint64_t last_seq;
    std::string_view payload;
  };
  std::string contents[2];
  std::vector<Frame> frames;
  for (int i = 0; i < 2; ++i) {
    SY_RETURN_IF_ERROR(ReadAll(files_[i].fd, files_[i].path, &contents[i]));
    std::string_view rest = contents[i];
    while (!rest.empty()) {
      FrameHeader h;
      if (rest.size() < sizeof h) {
        ++*skipped;  // a header cut short
        break;
      }
      std::memcpy(&h, rest.data(), sizeof h);
      if (h.magic != kMagic || h.length > rest.size() - sizeof h) {
        ++*skipped;  // cut short, or not ours: nothing after it can be trusted
        break;
      }
      std::string_view payload = rest.substr(sizeof h, h.length);
      rest.remove_prefix(sizeof h + h.length);
      if (h.format != kRecordFormat || Checksum(payload) != h.checksum) {
        ++*skipped;
        continue;
      }
      frames.push_back({h.last_seq, payload});
    }
  }
  // The files took turns: by the numbers of their records, the oldest first.
  std::stable_sort(frames.begin(), frames.end(),
                   [](const Frame& a, const Frame& b) { return a.last_seq < b.last_seq; });
  for (const Frame& f : frames) SY_RETURN_IF_ERROR(fn(f.payload));
  return Status::Ok();
}

Status HistoryJournal::Clear() {
  for (File& f : files_) {
    if (ftruncate(f.fd, 0) != 0) {
      return Status::IoError("cannot empty " + f.path + ": " + std::strerror(errno));
    }
    f.bytes = 0;
    f.last_seq = 0;
  }
  return Status::Ok();
}

void HistoryJournal::Append(std::string_view record, int64_t seq) {
  buffer_.append(record);
  buffer_seq_ = seq;
}

void HistoryJournal::Empty(File& f) {
  if (ftruncate(f.fd, 0) == 0) {
    f.bytes = 0;
    f.last_seq = 0;
  }
}

void HistoryJournal::EmptyCommitted() {
  int64_t committed = committed_.load(std::memory_order_acquire);
  for (File& f : files_) {
    if (f.last_seq != 0 && f.last_seq <= committed) Empty(f);
  }
}

void HistoryJournal::Flush() {
  if (buffer_.empty()) return;
  File& other = files_[1 - current_];
  File* cur = &files_[current_];
  if (cur->bytes >= kTurnBytes && other.last_seq == 0) {
    current_ = 1 - current_;
    cur = &files_[current_];
  }
  FrameHeader h{kMagic, kRecordFormat, buffer_.size(), static_cast<uint64_t>(buffer_seq_),
                Checksum(buffer_)};
  iovec parts[2] = {{&h, sizeof h}, {buffer_.data(), buffer_.size()}};
  ssize_t want = static_cast<ssize_t>(sizeof h + buffer_.size());
  ssize_t n;
  do {
    n = writev(cur->fd, parts, 2);
  } while (n < 0 && errno == EINTR);
  if (n != want) {
    // A full disk: the rows still go to SQLite through the queue; only a crash before they
    // get there would lose them. Said once per run of failures.
    if (write_errors_++ == 0) {
      spdlog::error(
          "history journal {}: {}: answered requests are not on file until the "
          "writer commits them",
          cur->path, n < 0 ? std::strerror(errno) : "short write");
    }
    if (n > 0) Empty(*cur);  // a torn frame would hide the frames after it
  } else {
    if (write_errors_ > 0) {
      spdlog::warn("history journal {}: writing again after {} failed write(s)", cur->path,
                   write_errors_);
      write_errors_ = 0;
    }
    cur->bytes += n;
    cur->last_seq = buffer_seq_;
  }
  buffer_.clear();
  if (buffer_.capacity() > (size_t{1} << 20)) std::string().swap(buffer_);
}

}  // namespace switchyard
