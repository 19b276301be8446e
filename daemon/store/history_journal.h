// The requests the daemon has answered, on file before their answers go out.
//
// The writer thread commits rows to SQLite in batches, at idle priority so that it takes no
// CPU a request wants. On a saturated machine a batch can wait hundreds of milliseconds for
// a core, and a kill -9 then lost requests their clients had already been answered for; after
// the restart their ids were handed out again. So the loop also appends every record (in the
// queue's own encoding, store/record_codec.h) to this journal, and writes what one turn of
// the loop gathered with a single write(2) before that turn's answers are sent. A write lands
// in the page cache, which outlives the process: a killed daemon's journal holds every
// request it answered, and at start the ones SQLite lacks are put there (SqliteStore::Open).
//
// Two files, `<history>.journal-0` and `.journal-1`, take turns: the loop appends to one;
// the other, once every record in it is committed to SQLite, is emptied and waits. Neither
// grows past a few MiB beyond what the writer is behind by. Like the WAL at
// synchronous=NORMAL, nothing is fsynced: this keeps answers through a crash of the process,
// not of the machine.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace switchyard {

class HistoryJournal {
 public:
  // Opens (creating, mode 0600) the two files beside `history_path`.
  static Status Open(const std::string& history_path, std::unique_ptr<HistoryJournal>* out);
  ~HistoryJournal();
  HistoryJournal(const HistoryJournal&) = delete;
  HistoryJournal& operator=(const HistoryJournal&) = delete;

  // Before any Append: what a previous run wrote, oldest first, each call a run of whole
  // records. A frame cut short (the process died in its write) or of another record format
  // (a journal left by another version) is skipped, and counted in `*skipped`.
  Status Recover(const std::function<Status(std::string_view records)>& fn, int64_t* skipped);
  // Empties both files: what they held is in SQLite now.
  Status Clear();

  // Loop thread: the encoded record numbered `seq` (numbers rise by one per record).
  void Append(std::string_view record, int64_t seq);
  // Loop thread: writes what was appended since the last Flush; call before the answers it
  // stands for are sent. Cheap when nothing was appended.
  void Flush();
  // Loop thread: empties each file whose every record is committed; call after the turn's
  // answers are sent, since an ftruncate takes 0.03-0.15 ms that an answer (a stream's
  // first event, most often) would otherwise wait behind.
  void EmptyCommitted();
  // Writer thread: every record up to `seq` is committed (or given up for good).
  void Committed(int64_t seq) { committed_.store(seq, std::memory_order_release); }

  int64_t write_errors() const { return write_errors_; }

 private:
  struct File {
    int fd = -1;
    std::string path;
    int64_t bytes = 0;
    int64_t last_seq = 0;  // of the newest record in it; 0 when empty
  };
  HistoryJournal() = default;
  void Empty(File& f);

  File files_[2];
  int current_ = 0;
  std::string buffer_;      // appended since the last Flush
  int64_t buffer_seq_ = 0;  // the newest record in it
  std::atomic<int64_t> committed_{0};
  int64_t write_errors_ = 0;
};

}  // namespace switchyard
