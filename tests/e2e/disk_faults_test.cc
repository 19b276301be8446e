// The history's disk, end to end: a full filesystem (a small tmpfs this test mounts) must not
// stop the daemon answering or lose rows it can keep; a history file it cannot trust stops it
// at start, saying why.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "e2e/harness.h"
#include "e2e/history_db.h"

namespace switchyard::e2e {
namespace {

// A tmpfs of `kib` KiB mounted for the test's lifetime; mounted() is false where this process
// may not mount (no CAP_SYS_ADMIN).
class SmallDisk {
 public:
  explicit SmallDisk(int kib) {
    path_ = dir_.File("disk");
    std::filesystem::create_directories(path_);
    std::string opts = "size=" + std::to_string(kib) + "k,mode=0700";
    mounted_ = mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

  // Writes a file until the disk is full.
  void Fill() {
    std::FILE* f = std::fopen(File("filler").c_str(), "wb");
    std::string block(4096, 'f');
    while (f && std::fwrite(block.data(), 1, block.size(), f) == block.size() &&
           std::fflush(f) == 0) {
    }
    if (f) std::fclose(f);
  }
  void Free() { std::remove(File("filler").c_str()); }

 private:
  TempDir dir_;
  std::string path_;
  bool mounted_ = false;
};

TEST(DiskFaults, FullDiskKeepsAnsweringKeepsRowsAndResumes) {
  SmallDisk disk(2048);
  if (!disk.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN); the same path is covered "
                    "by SqliteStoreTest.NoSpaceKeepsRowsQueuedAndResumes through max_page_count";
  }
  ClusterOptions opt;
  opt.history_file = disk.File("history.db");
  opt.extra_toml = "[history]\nflush_ms = 20\n";
  Cluster cluster(opt);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->Complete(Cluster::Ask("before")).ok);
  ASSERT_TRUE(testbed::PollUntil(
      3000, [&] { return client->GetStatus().result.history.queued_rows == 0; }));
  disk.Fill();
  // Requests until the history's writes find no room (the WAL first reuses its own pages).
  int during = 0;  // requests answered since the disk filled
  while (during < 4000) {
    CompleteReply r = client->Complete(Cluster::Ask("during " + std::to_string(during)));
    ASSERT_TRUE(r.ok) << "request " << during << ": " << r.error.message;  // it keeps answering
    ++during;
    if (during % 50 == 0 && client->GetStatus().result.history.write_errors > 0) break;
  }
  ASSERT_GT(client->GetStatus().result.history.write_errors, 0)
      << "the writes never found the disk full";
  for (int i = 0; i < 20; ++i, ++during) {  // and answers on, with the disk full
    ASSERT_TRUE(client->Complete(Cluster::Ask("full " + std::to_string(i))).ok);
  }
  HistoryStatus full = client->GetStatus().result.history;
  EXPECT_GT(full.queued_rows, 0);
  EXPECT_EQ(full.dropped_rows, 0);
  EXPECT_NE(cluster.daemon_log().find("history: no space to write"), std::string::npos);

  disk.Free();
  ASSERT_TRUE(testbed::PollUntil(5000, [&] {
    return client->GetStatus().result.history.queued_rows == 0;
  })) << "writing did not resume once space was back";
  EXPECT_NE(cluster.daemon_log().find("history: writing again after"), std::string::npos);
  ASSERT_TRUE(cluster.StopDaemon().ok());
  Db db(cluster.history_path());
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM requests"), 1 + during);
}

TEST(DiskFaults, CorruptOrNewerHistoryIsRefusedAtStart) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StopDaemon().ok());
  {
    Db db(cluster.history_path());
    db.Exec("PRAGMA user_version = 99");
  }
  EXPECT_THROW(cluster.StartDaemon(), std::runtime_error);
  EXPECT_NE(cluster.daemon_log().find("schema version 99 is newer than this switchyardd knows"),
            std::string::npos)
      << cluster.daemon_log();
  int status = 0;
  ASSERT_TRUE(cluster.daemon().Wait(5000, &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);

  std::remove((cluster.history_path() + "-wal").c_str());
  std::remove((cluster.history_path() + "-shm").c_str());
  std::ofstream(cluster.history_path(), std::ios::trunc) << std::string(8192, 'x');
  EXPECT_THROW(cluster.StartDaemon(), std::runtime_error);
  EXPECT_NE(cluster.daemon_log().find("is not a usable SQLite database"), std::string::npos)
      << cluster.daemon_log();
}

}  // namespace
}  // namespace switchyard::e2e
