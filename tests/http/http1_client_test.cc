// Http1Client on a real libuv loop against a scripted TCP server on the loopback: what goes
// on the wire, keeping and dropping connections, and each way a server can fail it.
#include "http/http1_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/scripted_server.h"

namespace switchyard {
namespace {

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class Http1ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    uv_timer_init(&loop_, &watchdog_);
  }
  void TearDown() override {
    client_->Close();
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }

  HttpRequest Post(const std::string& url, std::string body = "{}") {
    HttpRequest r;
    r.url = url;
    r.headers = std::make_shared<const std::vector<std::string>>(
        std::vector<std::string>{"Content-Type: application/json", "Authorization: Bearer k"});
    r.body = std::move(body);
    r.timeout_ms = 5000;
    return r;
  }

  // Runs the loop until `done` holds, each turn waiting for the loop's next event; a
  // watchdog timer bounds it, so a hang fails instead of blocking the suite.
  bool RunUntil(const std::function<bool()>& done, uint64_t timeout_ms = 5000) {
    return RunLoopUntil(&loop_, &watchdog_, done, timeout_ms);
  }

  std::optional<HttpResponse> Call(HttpRequest req) {
    std::optional<HttpResponse> got;
    bool inside_start = true;
    HttpClient::Id id = client_->Start(std::move(req), [&](HttpResponse&& r) {
      EXPECT_FALSE(inside_start) << "done ran inside Start";
      got = std::move(r);
    });
    inside_start = false;
    EXPECT_NE(id, 0u);
    EXPECT_TRUE(RunUntil([&] { return got.has_value(); }));
    return got;
  }

  uv_loop_t loop_;
  uv_timer_t watchdog_;
  std::unique_ptr<Http1Client> client_ = std::make_unique<Http1Client>(&loop_);
};

TEST_F(Http1ClientTest, SendsOneRequestHeadAndReusesTheConnection) {
  std::mutex mu;
  std::vector<std::string> seen;
  ScriptedServer server([&](int fd, int) {
    for (int i = 0; i < 3; ++i) {
      std::string req = ReadRequest(fd);
      if (req.empty()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(req);
      }
      WriteAll(fd, Ok("answer " + std::to_string(i)));
    }
  });
  HttpRequest first_req = Post(server.url(), "{\"a\":1}");
  HeaderLines lines = first_req.headers;
  auto first = Call(std::move(first_req));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->error, TransportError::kNone) << first->error_message;
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "answer 0");
  EXPECT_GE(first->body.capacity(), first->body.size() + 64) << "room for in-place parsing";
  EXPECT_EQ(client_->idle_connections(), 1u);
  HttpRequest second_req = Post(server.url());
  second_req.headers = lines;  // the same lines again, as a provider sends them
  auto second = Call(std::move(second_req));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "answer 1");
  EXPECT_EQ(server.accepted(), 1) << "the second request rode the kept connection";
  HttpRequest third_req = Post(server.url());
  third_req.headers = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"X-Other: 1"});  // another provider's, on the same URL
  ASSERT_TRUE(Call(std::move(third_req)));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 3u);
  std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
      "\r\n";
  EXPECT_EQ(seen[0], head +
                         "Content-Type: application/json\r\nAuthorization: Bearer k\r\n"
                         "Content-Length: 7\r\n\r\n{\"a\":1}");
  EXPECT_EQ(seen[1], head +
                         "Content-Type: application/json\r\nAuthorization: Bearer k\r\n"
                         "Content-Length: 2\r\n\r\n{}");
  EXPECT_EQ(seen[2], head + "X-Other: 1\r\nContent-Length: 2\r\n\r\n{}")
      << "lines of another set are not the ones sent before";
}

TEST_F(Http1ClientTest, ABodyLargerThanTheSocketBufferIsSentWholeAsTheServerReads) {
  const std::string body(16 << 20, 'q');  // more than a loopback socket's buffer holds
  std::atomic<size_t> got_body{0};
  std::atomic<bool> intact{false};
  ScriptedServer server([&](int fd, int) {
    std::string req = ReadRequest(fd);
    size_t at = req.find("\r\n\r\n") + 4;
    got_body = req.size() - at;
    intact = req.find_first_not_of('q', at) == std::string::npos;
    WriteAll(fd, Ok("read"));
  });
  auto r = Call(Post(server.url(), body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kNone) << r->error_message;
  EXPECT_EQ(r->body, "read");
  EXPECT_EQ(got_body.load(), body.size());
  EXPECT_TRUE(intact.load());
  EXPECT_EQ(client_->idle_connections(), 1u) << "a connection whose write ended is kept";
}

TEST_F(Http1ClientTest, ARequestIsWrittenAtTheEndOfTheTurnThatStartedIt) {
  std::atomic<int> server_fd{-1};
  Flag go_on;
  ScriptedServer server([&](int fd, int) {
    ReadRequest(fd);
    server_fd = fd;
    WriteAll(fd, Ok("first"));
    if (!go_on.Wait()) return;
    ReadRequest(fd);
    WriteAll(fd, Ok("second"));
  });
  ASSERT_TRUE(Call(Post(server.url())));
  ASSERT_EQ(client_->idle_connections(), 1u);
  // From a callback of the loop, as the servers start requests: on the kept connection, so
  // that nothing but the write stands between Start and the server's socket.
  std::optional<HttpResponse> got;
  ssize_t peeked_inside = -2;
  std::function<void()> in_turn = [&] {
    client_->Start(Post(server.url()), [&](HttpResponse&& r) { got = std::move(r); });
    char b;
    peeked_inside = recv(server_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  };
  uv_timer_t timer;
  uv_timer_init(&loop_, &timer);
  timer.data = &in_turn;
  uv_timer_start(
      &timer, [](uv_timer_t* h) { (*static_cast<std::function<void()>*>(h->data))(); }, 0, 0);
  // One turn, without waiting for I/O: the timer, then the turn's end.
  uv_run(&loop_, UV_RUN_NOWAIT);
  ASSERT_NE(peeked_inside, -2) << "the timer did not run";
  EXPECT_EQ(peeked_inside, -1) << "written inside the callback that started it";
  char b;
  EXPECT_EQ(recv(server_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT), 1)
      << "not written by the end of the turn";
  go_on.Set();
  ASSERT_TRUE(RunUntil([&] { return got.has_value(); }));
  EXPECT_EQ(got->body, "second") << got->error_message;
  bool closed = false;
  timer.data = &closed;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer),
           [](uv_handle_t* h) { *static_cast<bool*>(h->data) = true; });
  EXPECT_TRUE(RunUntil([&] { return closed; }));
}

TEST_F(Http1ClientTest, AKeptConnectionTheServerClosesIsDroppedWhileIdle) {
  ScriptedServer server([&](int fd, int) {
    ReadRequest(fd);
    WriteAll(fd, Ok("one and done"));
    // Returning closes it, as a server's idle timeout would.
  });
  auto first = Call(Post(server.url()));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "one and done");
  EXPECT_TRUE(RunUntil([&] { return client_->idle_connections() == 0; }))
      << "the close was not noticed while idle";
  auto second = Call(Post(server.url()));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->error, TransportError::kNone) << second->error_message;
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(Http1ClientTest, AConnectionClosedAsItIsReusedIsRetriedOnceOnANewOne) {
  std::atomic<bool> idle_close{false};
  ScriptedServer server([&](int fd, int index) {
    if (index == 0) {
      ReadRequest(fd);
      WriteAll(fd, Ok("first"));
      // Reads the second request, then closes without a word: the race of a server's idle
      // timeout with a reuse.
      ReadRequest(fd);
      idle_close = true;
      return;
    }
    ReadRequest(fd);
    WriteAll(fd, Ok("after the retry"));
  });
  ASSERT_TRUE(Call(Post(server.url())));
  auto second = Call(Post(server.url()));
  ASSERT_TRUE(second);
  EXPECT_TRUE(idle_close);
  EXPECT_EQ(second->error, TransportError::kNone) << second->error_message;
  EXPECT_EQ(second->body, "after the retry");
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(Http1ClientTest, ANewConnectionClosedWithoutAnAnswerFails) {
  ScriptedServer server([&](int fd, int) { ReadRequest(fd); });
  auto r = Call(Post(server.url()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kOther);
  EXPECT_NE(r->error_message.find("without answering"), std::string::npos) << r->error_message;
  EXPECT_EQ(server.accepted(), 1) << "a fresh connection is not retried";
}

TEST_F(Http1ClientTest, ACutOffBodyIsATransportErrorWithTheStatusKnown) {
  ScriptedServer server([&](int fd, int) {
    ReadRequest(fd);
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"id\":\"chatcmpl-");
  });
  auto r = Call(Post(server.url()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kOther);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->error_message.find("cut off"), std::string::npos) << r->error_message;
}

TEST_F(Http1ClientTest, RefusedConnectionIsAConnectError) {
  int port = 0;
  {
    ScriptedServer gone([](int, int) {});
    port = gone.port();
  }
  auto r = Call(Post("http://127.0.0.1:" + std::to_string(port) + "/v1/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kConnect);
  EXPECT_NE(r->error_message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r->error_message;
}

TEST_F(Http1ClientTest, AHostNameIsResolved) {
  ScriptedServer server([&](int fd, int) {
    ReadRequest(fd);
    WriteAll(fd, Ok("by name"));
  });
  auto r = Call(Post("http://localhost:" + std::to_string(server.port()) + "/v1/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kNone) << r->error_message;
  EXPECT_EQ(r->body, "by name");
}

// The first address the resolver gives for `host` as the client asks, if it is IPv4.
std::string FirstAddressOf(const char* host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  if (getaddrinfo(host, "80", &hints, &res) != 0) return "";
  char text[INET6_ADDRSTRLEN] = "";
  if (res->ai_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, text, sizeof text);
  }
  freeaddrinfo(res);
  return text;
}

// In a child with a mount namespace of its own and an /etc/hosts in which "twoaddr" is
// 127.0.0.1 and 127.0.0.2, the server listening on the second only. The exit code says what
// happened: 0 answered, 77 the machine cannot set this up (no namespaces, or the resolver
// put the listening address first), anything else a failure.
int AnswerThroughTheSecondAddress() {
  char hosts[] = "/tmp/switchyard-hosts-XXXXXX";
  int fd = mkstemp(hosts);
  if (fd < 0) return 77;
  std::string lines = "127.0.0.1 twoaddr\n127.0.0.2 twoaddr\n";
  bool wrote = write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size());
  close(fd);
  bool isolated = wrote && unshare(CLONE_NEWNS) == 0 &&
                  mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
                  mount(hosts, "/etc/hosts", nullptr, MS_BIND, nullptr) == 0;
  unlink(hosts);
  if (!isolated || FirstAddressOf("twoaddr") != "127.0.0.1") return 77;

  ScriptedServer server(
      [](int fd, int) {
        ReadRequest(fd);
        WriteAll(fd, Ok("second address"));
      },
      INADDR_LOOPBACK + 1);
  uv_loop_t loop;
  uv_loop_init(&loop);
  int code = 1;
  {
    Http1Client client(&loop);
    HttpRequest r;
    r.url = "http://twoaddr:" + std::to_string(server.port()) + "/v1/x";
    r.body = "{}";
    r.timeout_ms = 5000;
    client.Start(std::move(r), [&](HttpResponse&& got) {
      if (got.error != TransportError::kNone) {
        std::fprintf(stderr, "transport error: %s\n", got.error_message.c_str());
        code = 2;
      } else {
        code = got.body == "second address" && got.status == 200 ? 0 : 3;
      }
      uv_stop(&loop);  // the kept connection would keep the loop running
    });
    uv_run(&loop, UV_RUN_DEFAULT);  // the request's own timeout bounds it
    client.Close();
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop);
  if (code == 0 && server.accepted() != 1) code = 4;  // one connection: the second address's
  return code;
}

// A host whose first address refuses (a server on IPv4 only behind a name that also has ::1,
// say) is reached on the next one, within the same request.
TEST(Http1ClientAddresses, ARefusedAddressFallsThroughToTheHostsNext) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(20);  // a child that hangs dies of SIGALRM, and the test fails below
    _exit(AnswerThroughTheSecondAddress());
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died: " << status;
  if (WEXITSTATUS(status) == 77) {
    GTEST_SKIP() << "needs a mount namespace, and the refusing address first";
  }
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(Http1ClientTest, AnUnresolvableHostIsAConnectError) {
  auto r = Call(Post("http://no-such-host.invalid/v1/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kConnect);
  EXPECT_NE(r->error_message.find("cannot resolve no-such-host.invalid"), std::string::npos)
      << r->error_message;
}

TEST_F(Http1ClientTest, TheBackstopTimeoutEndsAHang) {
  Flag release;
  ScriptedServer server([&](int fd, int) {
    ReadRequest(fd);
    release.Wait();  // answers nothing until the client has given up
  });
  HttpRequest req = Post(server.url());
  req.timeout_ms = 50;
  auto r = Call(std::move(req));
  release.Set();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kTimeout);
  EXPECT_NE(r->error_message.find("within 50 ms"), std::string::npos) << r->error_message;
}

TEST_F(Http1ClientTest, AnAnswerOverTheLimitIsAbandoned) {
  ScriptedServer server([&](int fd, int) {
    ReadRequest(fd);
    WriteAll(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 20; ++i) WriteAll(fd, "400\r\n" + std::string(1024, 'x') + "\r\n");
  });
  HttpRequest req = Post(server.url());
  req.max_response_bytes = 8192;
  auto r = Call(std::move(req));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, TransportError::kTooLarge);
  EXPECT_NE(r->error_message.find("larger than 8192 bytes"), std::string::npos);
}

TEST_F(Http1ClientTest, StreamsHandOverA2xxBodyAndCollectAnErrorBody) {
  Flag first_seen;
  ScriptedServer server([&](int fd, int index) {
    ReadRequest(fd);
    if (index == 0) {
      WriteAll(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n");
      first_seen.Wait();  // the rest only once the first piece was handed over
      WriteAll(fd, "3\r\n{}\n\r\n0\r\n\r\n");
    } else {
      WriteAll(fd, "HTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nContent-Length: 4\r\n\r\nslow");
    }
  });
  std::string streamed;
  int pieces = 0;
  HttpRequest req = Post(server.url());
  req.on_data = [&](std::string_view b) {
    streamed += b;
    ++pieces;
    first_seen.Set();
  };
  auto ok = Call(std::move(req));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->error, TransportError::kNone) << ok->error_message;
  EXPECT_EQ(streamed, "data: {}\n");
  EXPECT_GE(pieces, 2) << "bytes are handed over as they arrive";
  EXPECT_TRUE(ok->body.empty());

  streamed.clear();
  HttpRequest err = Post(server.url());
  err.on_data = [&](std::string_view b) { streamed += b; };
  auto refused = Call(std::move(err));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->body, "slow") << "an error's body is collected, to be parsed";
  EXPECT_EQ(refused->retry_after, "2");
  EXPECT_TRUE(streamed.empty());
}

TEST_F(Http1ClientTest, CancelFromTheStreamCallbackStopsEverything) {
  Flag release, finished;
  ScriptedServer server([&](int fd, int) {
    ReadRequest(fd);
    WriteAll(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
    release.Wait();
    WriteAll(fd, "6\r\nsecond\r\n0\r\n\r\n");
    finished.Set();
  });
  HttpClient::Id id = 0;
  int pieces = 0;
  bool done = false;
  HttpRequest req = Post(server.url());
  req.on_data = [&](std::string_view) {
    ++pieces;
    client_->Cancel(id);
  };
  id = client_->Start(std::move(req), [&](HttpResponse&&) { done = true; });
  ASSERT_TRUE(RunUntil([&] { return pieces > 0; }));
  release.Set();
  ASSERT_TRUE(finished.Wait());  // the rest of the answer has been sent
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(pieces, 1);
  EXPECT_FALSE(done) << "a cancelled request's callback never runs";
  EXPECT_EQ(client_->in_flight(), 0u);
  EXPECT_EQ(client_->idle_connections(), 0u) << "a connection cut mid-answer is not kept";
}

TEST_F(Http1ClientTest, UrlsItLeavesToCurl) {
  EXPECT_TRUE(client_->Handles("http://127.0.0.1:8080/v1/chat/completions"));
  EXPECT_TRUE(client_->Handles("http://[::1]:8080/v1/messages"));
  EXPECT_TRUE(client_->Handles("http://localhost/v1"));
  EXPECT_FALSE(client_->Handles("https://api.openai.com/v1/chat/completions"));
  EXPECT_FALSE(client_->Handles("http://user:pass@host/v1"));
  EXPECT_FALSE(client_->Handles("http://host:99999/v1"));
  EXPECT_FALSE(client_->Handles("http://host:80x/v1"));
  EXPECT_FALSE(client_->Handles("http:///v1"));
  EXPECT_FALSE(client_->Handles("http://host/v1#frag"));
  EXPECT_EQ(client_->Start(Post("https://example.com/v1"), [](HttpResponse&&) {}), 0u);
}

}  // namespace
}  // namespace switchyard
