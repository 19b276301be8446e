#include "front/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "fakes/run_loop.h"

namespace switchyard {
namespace {

// Answers GET /hello at once, POST /echo with its body, /later only when told, and
// /stream as three chunks.
class TestHandler : public HttpServer::Handler {
 public:
  void OnRequest(uint64_t conn, HttpRequestIn&& req) override {
    seen.push_back(req);
    if (on_request) on_request();
    if (req.Path() == "/hello") {
      server->Respond(conn, 200, {{"Content-Type", "text/plain"}}, "hi");
    } else if (req.Path() == "/echo") {
      server->Respond(conn, 200, {}, req.body);
    } else if (req.Path() == "/big") {
      server->Respond(conn, 200, {}, std::string(kBigBytes, 'b'));
    } else if (req.Path() == "/later") {
      later = conn;
    } else if (req.Path() == "/stream") {
      server->StartStream(conn, 200, {{"Content-Type", "text/event-stream"}});
      for (const char* piece : {"data: a\n\n", "data: b\n\n", "data: [DONE]\n\n"}) {
        server->StreamWrite(conn, piece);
      }
      server->EndStream(conn);
    } else {
      server->Respond(conn, 404, {}, "");
    }
  }
  void OnClosed(uint64_t conn) override { closed.push_back(conn); }
  std::string ErrorBody(int status, const std::string& why, std::string_view) override {
    return "{\"status\":" + std::to_string(status) + ",\"why\":\"" + why + "\"}";
  }

  // More than a loopback socket's buffer holds: written in parts, as the client reads.
  static constexpr size_t kBigBytes = 16 << 20;
  HttpServer* server = nullptr;
  std::function<void()> on_request;  // runs as each request comes in
  std::vector<HttpRequestIn> seen;
  std::vector<uint64_t> closed;
  uint64_t later = 0;
};

// A loopback client read without blocking, so the test thread runs the loop in between.
class Client {
 public:
  explicit Client(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  explicit Client(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  ~Client() { close(fd_); }
  void Send(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // What arrived so far; `eof` once the server closed.
  const std::string& Got() {
    char buf[65536];
    ssize_t n;
    while ((n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT)) > 0)
      got_.append(buf, static_cast<size_t>(n));
    if (n == 0) eof_ = true;
    return got_;
  }
  bool eof() {
    Got();
    return eof_;
  }
  size_t Count(const std::string& s) {
    size_t n = 0;
    for (size_t at = Got().find(s); at != std::string::npos; at = got_.find(s, at + 1)) ++n;
    return n;
  }

 private:
  int fd_ = -1;
  std::string got_;
  bool eof_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    if (server_) server_->CloseAll();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }
  void Start(HttpServer::Options o = {}) {
    server_ = std::make_unique<HttpServer>(&loop_, &handler_, o);
    handler_.server = server_.get();
    ASSERT_TRUE(server_->ListenTcp("127.0.0.1:0").ok());
    ASSERT_GT(server_->port(), 0);
  }
  bool RunUntil(const std::function<bool()>& ready, int seconds = 2) {
    return RunLoopUntil(&loop_, ready, seconds);
  }

  uv_loop_t loop_;
  TestHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveServesRequestsInTurnOnOneConnection) {
  Start();
  Client c(server_->port());
  // Two pipelined requests, the second with a body: answered in order, the connection kept.
  c.Send(
      "GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nX-Thing: One\r\nAZ_^`z-09: Two\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(RunUntil([&] { return c.Count("HTTP/1.1 200 OK") == 2; })) << c.Got();
  EXPECT_NE(c.Got().find("Content-Length: 2\r\n\r\nhi"), std::string::npos);
  EXPECT_LT(c.Got().find("\r\n\r\nhi"), c.Got().find("\r\n\r\nhello"));
  EXPECT_FALSE(c.eof());
  ASSERT_EQ(handler_.seen.size(), 2u);
  EXPECT_EQ(handler_.seen[0].method, "GET");
  EXPECT_EQ(handler_.seen[0].target, "/hello?x=1");
  ASSERT_NE(handler_.seen[0].Header("x-thing"), nullptr);
  EXPECT_EQ(*handler_.seen[0].Header("x-thing"), "One");
  // Names are lower-cased, A to Z and nothing beside them.
  ASSERT_NE(handler_.seen[0].Header("az_^`z-09"), nullptr);
  EXPECT_EQ(*handler_.seen[0].Header("az_^`z-09"), "Two");
  EXPECT_EQ(handler_.seen[1].body, "hello");
}

TEST_F(HttpServerTest, APipelinedRequestWaitsForTheAnswerBeforeIt) {
  Start();
  Client c(server_->port());
  c.Send("GET /later HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return handler_.later != 0; }));
  RunUntil([] { return false; }, 0);
  EXPECT_EQ(handler_.seen.size(), 1u);  // /hello is not parsed yet
  server_->Respond(handler_.later, 200, {}, "late");
  ASSERT_TRUE(RunUntil([&] { return c.Count("HTTP/1.1 200 OK") == 2; }));
  EXPECT_LT(c.Got().find("late"), c.Got().find("\r\n\r\nhi"));
}

TEST_F(HttpServerTest, AnswersLeaveOnceTheLoopHasReadEveryRequestReady) {
  Start();
  Client a(server_->port()), b(server_->port());
  // Both requests are in before the loop turns, so one turn reads both: the first answer
  // must still be unwritten when the second request is handled.
  a.Send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  b.Send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  std::vector<size_t> answered_before;
  handler_.on_request = [&] { answered_before.push_back(a.Count("200 OK") + b.Count("200 OK")); };
  ASSERT_TRUE(RunUntil([&] { return a.Count("200 OK") == 1 && b.Count("200 OK") == 1; }));
  EXPECT_EQ(answered_before, (std::vector<size_t>{0, 0}));
}

TEST_F(HttpServerTest, AnAnswerLargerThanTheSocketBufferArrivesWholeAndTheConnectionGoesOn) {
  Start();
  Client c(server_->port());
  c.Send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
  const std::string head = "Content-Length: " + std::to_string(TestHandler::kBigBytes) + "\r\n\r\n";
  ASSERT_TRUE(RunUntil(
      [&] {
        size_t at = c.Got().find(head);
        return at != std::string::npos &&
               c.Got().size() >= at + head.size() + TestHandler::kBigBytes;
      },
      10));
  size_t body = c.Got().find(head) + head.size();
  EXPECT_EQ(c.Got().find_first_not_of('b', body), std::string::npos);
  c.Send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return c.Count("HTTP/1.1 200 OK") == 2; }));
  EXPECT_EQ(c.Got().rfind("HTTP/1.1 200 OK"), body + TestHandler::kBigBytes)
      << "the next answer follows the big one's last byte";
}

TEST_F(HttpServerTest, ChunkedStreamsAndConnectionClose) {
  Start();
  Client c(server_->port());
  c.Send("GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return c.eof(); }));
  EXPECT_NE(c.Got().find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(c.Got().find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(c.Got().find("9\r\ndata: a\n\n\r\n"), std::string::npos);
  EXPECT_NE(c.Got().find("e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, BadInputGetsAClearStatusAndAClosedConnection) {
  HttpServer::Options o;
  o.max_header_bytes = 1024;
  o.max_body_bytes = 100;
  Start(o);
  struct Case {
    std::string bytes;
    std::string status;
  };
  std::vector<Case> cases = {
      {"NOT HTTP AT ALL\r\n\r\n", "400 Bad Request"},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(2000, 'x') + "\r\n\r\n",
       "431 Request Header Fields Too Large"},
      {"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", "413 Content Too Large"},
      {"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" +
           std::string(128, 'y') + "\r\n0\r\n\r\n",
       "413 Content Too Large"},
  };
  for (const Case& k : cases) {
    Client c(server_->port());
    c.Send(k.bytes);
    ASSERT_TRUE(RunUntil([&] { return c.eof(); })) << k.status;
    EXPECT_EQ(c.Got().rfind("HTTP/1.1 " + k.status + "\r\n", 0), 0u) << c.Got();
    // The body is the handler's, in its API's words.
    EXPECT_NE(c.Got().find("{\"status\":" + k.status.substr(0, 3) + ",\"why\":\""),
              std::string::npos)
        << c.Got();
  }
  EXPECT_TRUE(handler_.seen.empty());
}

TEST_F(HttpServerTest, AnIncompleteRequestTimesOutAnIdleOneIsClosed) {
  HttpServer::Options o;
  o.read_timeout_ms = 50;
  Start(o);
  Client partial(server_->port());
  partial.Send("GET /hello HTTP/1.1\r\nHo");
  Client idle(server_->port());
  ASSERT_TRUE(RunUntil([&] { return partial.eof() && idle.eof(); }));
  EXPECT_EQ(partial.Got().rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u);
  EXPECT_EQ(idle.Got(), "");
}

TEST_F(HttpServerTest, ATricklingRequestIsCutAtTheReadTimeoutFromItsFirstByte) {
  HttpServer::Options o;
  o.read_timeout_ms = 100;
  Start(o);
  Client c(server_->port());
  // One byte every 10 ms: each read comes well within the timeout, the whole would take
  // 400 ms. The request gets 408 when its first byte is 100 ms old, whatever the pace.
  const std::string request =
      "GET /hello HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(8, 'p') + "\r\n\r\n";
  size_t sent = 0;
  uv_timer_t pace;
  uv_timer_init(&loop_, &pace);
  struct Pace {
    Client* c;
    const std::string* request;
    size_t* sent;
  } ctx{&c, &request, &sent};
  pace.data = &ctx;
  uv_timer_start(
      &pace,
      [](uv_timer_t* t) {
        auto* p = static_cast<Pace*>(t->data);
        if (*p->sent < p->request->size() && p->c->Got().empty() && !p->c->eof()) {
          p->c->Send(p->request->substr((*p->sent)++, 1));
        }
      },
      10, 10);
  ASSERT_TRUE(RunUntil([&] { return c.eof(); }));
  uv_timer_stop(&pace);
  uv_close(reinterpret_cast<uv_handle_t*>(&pace), nullptr);
  uv_run(&loop_, UV_RUN_NOWAIT);  // the close completes while `pace` is still in scope
  EXPECT_EQ(c.Got().rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << c.Got();
  EXPECT_LT(sent, request.size());
  EXPECT_TRUE(handler_.seen.empty());
}

TEST_F(HttpServerTest, AUnixSocketServesToo) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("sy-http-" + std::to_string(getpid()) + ".sock"))
          .string();
  server_ = std::make_unique<HttpServer>(&loop_, &handler_, HttpServer::Options{});
  handler_.server = server_.get();
  ASSERT_TRUE(server_->ListenUnix(path).ok());
  Client c(path);
  c.Send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return c.Got().find("hi") != std::string::npos; }));
  EXPECT_EQ(c.Got().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  server_->CloseAll();
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace switchyard
