#include "ipc/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "fakes/run_loop.h"
#include "protocol/codec.h"

namespace switchyard {
namespace {

// Answers ping, records what reached it and which connections closed.
class PingHandler : public Server::Handler {
 public:
  void OnCall(uint64_t conn, const Envelope& call) override {
    calls.push_back(std::string(call.method));
    last_conn = conn;
    if (call.method == "ping") server->Send(conn, EncodePongResponse(call.msgid));
    if (call.method == "flood") {
      std::string big(64 << 10, 'x');
      for (int i = 0; i < 200; ++i) server->Send(conn, big);
    }
  }
  void OnClosed(uint64_t conn) override { closed.push_back(conn); }

  Server* server = nullptr;
  std::vector<std::string> calls;
  std::vector<uint64_t> closed;
  uint64_t last_conn = 0;
};

// A client socket read without blocking, so the test thread can run the loop in between.
class TestClient {
 public:
  explicit TestClient(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  ~TestClient() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  void Send(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads what has arrived; true once a whole frame is there (into `out`).
  bool Frame(msgpack::object_handle* out) {
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
      unpacker_.reserve_buffer(static_cast<size_t>(n));
      std::memcpy(unpacker_.buffer(), buf, static_cast<size_t>(n));
      unpacker_.buffer_consumed(static_cast<size_t>(n));
    }
    if (n == 0) eof_ = true;
    return unpacker_.next(*out);
  }
  // Whether bytes are waiting, without taking them.
  bool Waiting() const {
    char b;
    return recv(fd_, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
  }
  bool eof() {
    msgpack::object_handle ignored;
    Frame(&ignored);
    return eof_;
  }

 private:
  int fd_ = -1;
  bool eof_ = false;
  msgpack::unpacker unpacker_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    dir_ = std::filesystem::temp_directory_path() /
           ("sy-server-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "s.sock").string();
  }
  void TearDown() override {
    if (server_) server_->CloseAll();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
    std::filesystem::remove_all(dir_);
  }
  void Start(Server::Options o = {}) {
    server_ = std::make_unique<Server>(&loop_, &handler_, o);
    handler_.server = server_.get();
    ASSERT_TRUE(server_->Listen(path_).ok());
  }
  bool RunUntil(const std::function<bool()>& ready) { return RunLoopUntil(&loop_, ready); }

  uv_loop_t loop_;
  std::filesystem::path dir_;
  std::string path_;
  PingHandler handler_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ACallReachesTheHandlerAndItsAnswerComesBack) {
  Start();
  TestClient c(path_);
  c.Send(EncodeEmptyCall(7, "ping"));
  msgpack::object_handle oh;
  ASSERT_TRUE(RunUntil([&] { return c.Frame(&oh); }));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.type, FrameType::kResponse);
  EXPECT_EQ(env.msgid, 7u);
  EXPECT_EQ(handler_.calls, std::vector<std::string>{"ping"});
  // The client is this process.
  EXPECT_EQ(server_->ClientOf(handler_.last_conn), static_cast<uint64_t>(getpid()));
}

// before_send is where the history's journal is written: no answer may be out before it ran.
TEST_F(ServerTest, AnswersGoOutOnlyAfterBeforeSendRan) {
  int hooks = 0;
  bool answered_before_hook = false;
  TestClient* client = nullptr;
  Server::Options o;
  o.before_send = [&] {
    ++hooks;
    if (client && client->Waiting()) answered_before_hook = true;
  };
  Start(o);
  TestClient c(path_);
  client = &c;
  c.Send(EncodeEmptyCall(1, "ping") + EncodeEmptyCall(2, "ping") + EncodeEmptyCall(3, "ping"));
  int answers = 0;
  msgpack::object_handle oh;
  ASSERT_TRUE(RunUntil([&] {
    while (c.Frame(&oh)) ++answers;
    return answers == 3;
  }));
  EXPECT_GE(hooks, 1);
  EXPECT_LE(hooks, 3);  // once per turn of the loop with answers, not per answer
  EXPECT_FALSE(answered_before_hook);
}

TEST_F(ServerTest, BytesThatAreNotAFrameCloseThatConnectionAloneAndTheHandlerHears) {
  Start();
  TestClient good(path_);
  TestClient bad(path_);
  bad.Send(std::string("\xc1\xc1\xc1", 3));
  msgpack::object_handle oh;
  ASSERT_TRUE(RunUntil([&] { return bad.Frame(&oh); }));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.method, "protocol_error");
  ASSERT_TRUE(RunUntil([&] { return bad.eof(); }));
  EXPECT_EQ(handler_.closed.size(), 1u);
  good.Send(EncodeEmptyCall(1, "ping"));
  ASSERT_TRUE(RunUntil([&] { return good.Frame(&oh); }));
}

TEST_F(ServerTest, AHangUpIsReportedToTheHandler) {
  Start();
  TestClient c(path_);
  c.Send(EncodeEmptyCall(1, "ping"));
  msgpack::object_handle oh;
  ASSERT_TRUE(RunUntil([&] { return c.Frame(&oh); }));
  uint64_t conn = handler_.last_conn;
  c.Close();
  ASSERT_TRUE(RunUntil([&] { return !handler_.closed.empty(); }));
  EXPECT_EQ(handler_.closed, std::vector<uint64_t>{conn});
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(ServerTest, AFrameLeftIncompleteIsClosedAndAnIdleConnectionStays) {
  Server::Options o;
  o.frame_timeout_ms = 40;
  Start(o);
  TestClient idle(path_);
  TestClient stalled(path_);
  std::string frame = EncodeEmptyCall(1, "ping");
  stalled.Send(frame.substr(0, 3));
  ASSERT_TRUE(RunUntil([&] { return stalled.eof(); }));
  EXPECT_EQ(server_->connections(), 1u);
  idle.Send(frame);
  msgpack::object_handle oh;
  ASSERT_TRUE(RunUntil([&] { return idle.Frame(&oh); }));
}

TEST_F(ServerTest, AClientThatDoesNotReadIsDisconnected) {
  Server::Options o;
  o.max_pending_write_bytes = 1 << 20;
  Start(o);
  TestClient c(path_);
  c.Send(EncodeEmptyCall(1, "flood"));  // 12.5 MB of answers it will not read
  ASSERT_TRUE(RunUntil([&] { return !handler_.closed.empty(); }));
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(ServerTest, APeerNotOnTheAllowListsIsRefused) {
  Server::Options o;
  o.allow_uids = {static_cast<int64_t>(getuid()) + 12345};
  Start(o);
  TestClient c(path_);
  msgpack::object_handle oh;
  ASSERT_TRUE(RunUntil([&] { return c.Frame(&oh); }));
  RpcError e;
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  ASSERT_TRUE(DecodeError(*env.arg, &e).ok());
  EXPECT_EQ(e.code, "forbidden");
  ASSERT_TRUE(RunUntil([&] { return c.eof(); }));
  EXPECT_TRUE(handler_.calls.empty());
}

}  // namespace
}  // namespace switchyard
