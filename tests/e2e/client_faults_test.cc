// Careless and hostile clients, end to end: each gets a clear error where one can be sent,
// and the daemon goes on serving everyone else, without growing.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <memory>
#include <vector>

#include "e2e/harness.h"
#include "e2e/raw_client.h"

namespace switchyard::e2e {
namespace {

std::string CompleteFrame(uint32_t msgid, const std::string& prompt) {
  return EncodeCompleteCall(msgid, Cluster::Ask(prompt));
}

// The serving check every test ends with: a well-behaved client still gets its answer.
void ExpectServed(Cluster& cluster, const std::string& prompt) {
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask(prompt));
  ASSERT_TRUE(r.ok) << r.status.ToString() << " " << r.error.message;
  EXPECT_EQ(r.result.content, "Answer from gpt-4o to: " + prompt);
}

TEST(ClientFaults, HalfAFrameThenCloseLosesNothingElse) {
  Cluster cluster;
  std::string frame = CompleteFrame(1, "never finished");
  for (int i = 0; i < 20; ++i) {
    RawClient raw(cluster.socket());
    raw.Send(frame.substr(0, frame.size() / 2));
  }  // each closes with half a frame sent
  ExpectServed(cluster, "still here");
  auto client = cluster.Connect();
  StatusReply st = client->GetStatus();
  ASSERT_TRUE(st.ok);
  EXPECT_EQ(st.result.requests_in_flight, 0);
  EXPECT_EQ(st.result.connections, 1);  // the half-frame connections are gone
  EXPECT_EQ(cluster.fake().Requests("gpt-4o"), 1);
}

// [0, msgid, "complete", [{...request with `key` set to a msgpack nil/int/str/array...}]]
std::string WithField(const std::string& key, const std::string& packed_value) {
  // A valid request map without `key`, then `key` appended with the bad value.
  CompleteRequest req = Cluster::Ask("x");
  std::string good = EncodeCompleteCall(9, req);
  msgpack::object_handle oh = msgpack::unpack(good.data(), good.size());
  const msgpack::object& m = oh.get().via.array.ptr[3].via.array.ptr[0];
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(0);
  pk.pack_uint32(9);
  pk.pack(std::string("complete"));
  pk.pack_array(1);
  uint32_t n = 0;
  for (uint32_t i = 0; i < m.via.map.size; ++i) {
    if (m.via.map.ptr[i].key.as<std::string>() != key) ++n;
  }
  pk.pack_map(n + 1);
  for (uint32_t i = 0; i < m.via.map.size; ++i) {
    if (m.via.map.ptr[i].key.as<std::string>() == key) continue;
    pk.pack(m.via.map.ptr[i].key);
    pk.pack(m.via.map.ptr[i].val);
  }
  pk.pack(key);
  std::string out(buf.data(), buf.size());
  return out + packed_value;
}

TEST(ClientFaults, WrongTypeInEveryFieldOfCompleteNamesTheField) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  const std::string kInt = "\x2a";  // 42
  const std::string kStr =
      "\xa3"
      "abc";                                 // "abc"
  const std::string kArr = "\x91\x01";       // [1]
  const std::string kMap = "\x81\xa1k\x01";  // {"k": 1}
  const std::string kNeg = "\xff";           // -1
  struct Case {
    std::string key, value, expect;
  };
  std::vector<Case> cases = {
      {"route", kInt, "route: expected a string"},
      {"messages", kStr, "messages: expected an array"},
      {"messages", "\x91\x2a", "messages[0]: expected a map"},
      {"messages",
       "\x91\x82\xa4role\x2a\xa7"
       "content\xa1x",
       "messages[0].role: expected a string"},
      {"messages",
       "\x91\x82\xa4role\xa4user\xa7"
       "content\x91\x01",
       "messages[0].content: expected a string"},
      {"messages",
       "\x91\x82\xa4role\xa5robot\xa7"
       "content\xa1x",
       "messages[0].role: must be"},
      {"messages", "\x90", "messages: must not be empty"},
      {"max_tokens", kStr, "max_tokens: expected an integer"},
      {"max_tokens", kNeg, "max_tokens: must be positive"},
      {"temperature", kStr, "temperature: expected a number"},
      {"task", kArr, "task: expected a string"},
      {"deadline_ms", kMap, "deadline_ms: expected an integer"},
      {"stream", kInt, "stream: expected a boolean"},
      {"json", kStr, "json: expected a boolean"},
      {"allow_length_stop", kArr, "allow_length_stop: expected a boolean"},
      {"metadata", kArr, "metadata: expected a map"},
      {"metadata", "\x81\xa1k\x91\x01", "metadata.k: expected a string, number or boolean"},
      {"colour", kStr, "colour: unknown parameter"},
  };
  for (const Case& c : cases) {
    raw.Send(WithField(c.key, c.value));
    msgpack::object_handle oh;
    ASSERT_TRUE(raw.Next(&oh)) << c.key;
    Envelope env;
    ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
    ASSERT_EQ(env.type, FrameType::kResponse);
    RpcError e;
    ASSERT_TRUE(DecodeError(*env.error, &e).ok()) << c.key;
    EXPECT_EQ(e.code, "bad_request") << c.key;
    EXPECT_NE(e.message.find(c.expect), std::string::npos) << c.key << ": " << e.message;
  }
  // The connection stayed open through all of it.
  raw.Send(CompleteFrame(77, "fine now"));
  msgpack::object_handle oh;
  ASSERT_TRUE(raw.Next(&oh));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.msgid, 77u);
  EXPECT_EQ(env.error->type, msgpack::type::NIL);
  EXPECT_EQ(cluster.fake().Requests("gpt-4o"), 1);  // no bad request reached a provider
}

TEST(ClientFaults, AThousandIdleConnectionsDoNotCrowdOutTheBusyOne) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 1200 && rl.rlim_max >= 1200) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < 1200) GTEST_SKIP() << "this process may open only " << rl.rlim_cur << " files";
  Cluster cluster;
  int64_t rss_before = testbed::RssKiB(cluster.daemon().pid());
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(std::make_unique<RawClient>(cluster.socket()));
  auto client = cluster.Connect();
  for (int i = 0; i < 20; ++i) {
    CompleteReply r = client->Complete(Cluster::Ask("busy " + std::to_string(i)));
    ASSERT_TRUE(r.ok) << r.error.message;
  }
  StatusReply st = client->GetStatus();
  ASSERT_TRUE(st.ok);
  EXPECT_EQ(st.result.connections, 1001);
  int64_t rss_with = testbed::RssKiB(cluster.daemon().pid());
  // An idle connection costs a read buffer and a handle, not megabytes.
  if (!kSanitized) {
    EXPECT_LT(rss_with - rss_before, 1000 * 100) << "KiB for 1,000 idle connections";
  }
  idle.clear();
}

TEST(ClientFaults, AClientThatNeverReadsIsCutOffWithoutGrowingTheDaemon) {
  ClusterOptions opt;
  opt.daemon_toml = "max_pending_write_bytes = 1048576\n";
  Cluster cluster(opt);
  int64_t rss_before = testbed::RssKiB(cluster.daemon().pid());
  RawClient greedy(cluster.socket());
  int one = 4096;
  setsockopt(greedy.fd(), SOL_SOCKET, SO_RCVBUF, &one, sizeof one);
  // 20,000 status calls: about 20 MB of answers it never reads.
  std::string status = EncodeEmptyCall(1, "status");
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += status;
  for (int i = 0; i < 20; ++i) greedy.SendIgnoringErrors(batch);
  ExpectServed(cluster, "meanwhile");
  // Its connection is closed: reading now drains what was sent and then ends.
  bool closed = false;
  char buf[65536];
  for (int i = 0; i < 100000 && !closed; ++i) {
    ssize_t n = recv(greedy.fd(), buf, sizeof buf, 0);
    closed = n == 0 || (n < 0 && errno == ECONNRESET);
    if (n < 0 && errno != ECONNRESET) break;  // timed out: still open
  }
  EXPECT_TRUE(closed) << "the daemon kept a client that never reads";
  int64_t rss_after = testbed::RssKiB(cluster.daemon().pid());
  if (!kSanitized) {
    EXPECT_LT(rss_after - rss_before, 16 * 1024) << "KiB grown for one non-reading client";
  }
  EXPECT_NE(cluster.daemon_log().find("is not reading its answers"), std::string::npos);
  ExpectServed(cluster, "after");
}

}  // namespace
}  // namespace switchyard::e2e
