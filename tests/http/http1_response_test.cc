#include "http/http1_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "providers/testdata_util.h"

namespace switchyard {
namespace {

using State = Http1Response::State;

// Feeds `wire` in the given pieces, as a connection would, stopping where the parser does.
struct Read {
  Http1Response r;
  std::string body;
  size_t taken = 0;
};

Read FeedPieces(const std::string& wire, const std::vector<size_t>& cuts) {
  Read out;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(wire.size());
  for (size_t end : ends) {
    while (from < end && (out.r.state() == State::kHead || out.r.state() == State::kBody)) {
      size_t n = out.r.Feed(std::string_view(wire).substr(from, end - from), &out.body);
      from += n;
      out.taken += n;
      if (n == 0) break;
    }
  }
  return out;
}

Read FeedAll(const std::string& wire) { return FeedPieces(wire, {}); }

std::string Chunked(const std::string& body, size_t piece) {
  std::string w;
  char size[32];
  for (size_t at = 0; at < body.size(); at += piece) {
    std::string part = body.substr(at, piece);
    std::snprintf(size, sizeof size, "%zx", part.size());
    w += size;
    w += "\r\n" + part + "\r\n";
  }
  return w + "0\r\n\r\n";
}

TEST(Http1Response, ContentLengthAnswerWithTheHeadersTheDaemonUses) {
  Read r = FeedAll(
      "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
      "retry-after: 7\r\nRetry-After-Ms: 6500\r\nContent-Length: 11\r\n\r\n{\"error\":1}");
  EXPECT_EQ(r.r.state(), State::kDone);
  EXPECT_EQ(r.r.status(), 429);
  EXPECT_EQ(r.body, "{\"error\":1}");
  EXPECT_EQ(r.r.retry_after(), "7");
  EXPECT_EQ(r.r.retry_after_ms(), "6500");
  EXPECT_EQ(r.r.content_length(), 11);
  EXPECT_TRUE(r.r.keep_alive());
}

TEST(Http1Response, FeedStopsAtTheEndOfTheHeadAndOfTheAnswer) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  std::string wire = head + "ok" + "HTTP/1.1 200 OK\r\n";
  Http1Response r;
  std::string body;
  size_t n = r.Feed(wire, &body);
  EXPECT_EQ(n, head.size()) << "the caller chooses where the body goes once the head is read";
  EXPECT_EQ(r.state(), State::kBody);
  EXPECT_EQ(r.status(), 200);
  EXPECT_TRUE(body.empty());
  n += r.Feed(std::string_view(wire).substr(n), &body);
  EXPECT_EQ(n, head.size() + 2) << "bytes past the answer are not this answer's";
  EXPECT_EQ(r.state(), State::kDone);
  EXPECT_EQ(body, "ok");
}

TEST(Http1Response, ChunkedBodyWithExtensionsAndTrailers) {
  Read r = FeedAll(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: 1\r\n\r\n");
  EXPECT_EQ(r.r.state(), State::kDone);
  EXPECT_EQ(r.body, "hello, world!!!");
  EXPECT_EQ(r.r.content_length(), -1);
  EXPECT_TRUE(r.r.keep_alive());
}

TEST(Http1Response, ChunkedWinsOverContentLength) {
  Read r = FeedAll(
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "2\r\nhi\r\n0\r\n\r\n");
  EXPECT_EQ(r.r.state(), State::kDone);
  EXPECT_EQ(r.body, "hi");
}

// Every recorded stream, chunked as a server would send it, split at every byte: the body
// comes out whole whatever the reads.
TEST(Http1Response, RecordedStreamsSurviveEverySplit) {
  for (const char* rel : {"openai/stream_basic.sse", "openai/stream_include_usage.sse",
                          "anthropic/stream_basic.sse", "anthropic/stream_error.sse"}) {
    std::string sse = ReadTestdata(rel) + "\n";
    std::string wire =
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        "transfer-encoding: chunked\r\n\r\n" +
        Chunked(sse, 37);
    for (size_t cut = 0; cut <= wire.size(); ++cut) {
      Read r = FeedPieces(wire, {cut});
      ASSERT_EQ(r.r.state(), State::kDone) << rel << " split at " << cut << ": " << r.r.error();
      ASSERT_EQ(r.body, sse) << rel << " split at " << cut;
      ASSERT_EQ(r.taken, wire.size());
    }
  }
}

TEST(Http1Response, RecordedBodyByteByByte) {
  std::string json = ReadTestdata("openai/chat_completion_recorded.json");
  std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json;
  std::vector<size_t> cuts;
  for (size_t i = 1; i < wire.size(); ++i) cuts.push_back(i);
  Read r = FeedPieces(wire, cuts);
  EXPECT_EQ(r.r.state(), State::kDone);
  EXPECT_EQ(r.body, json);
}

TEST(Http1Response, InterimAnswersAreSkipped) {
  Read r = FeedAll(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(r.r.state(), State::kDone);
  EXPECT_EQ(r.r.status(), 200);
  EXPECT_EQ(r.body, "ok");
}

TEST(Http1Response, NoBodyStatusesEndWithTheHead) {
  for (const char* wire : {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}) {
    Read r = FeedAll(wire);
    EXPECT_EQ(r.r.state(), State::kDone) << wire;
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(r.r.keep_alive());
  }
}

TEST(Http1Response, ABodyWithoutLengthEndsAtTheClose) {
  Read r = FeedAll("HTTP/1.1 500 Internal Server Error\r\n\r\nupstream exploded");
  EXPECT_EQ(r.r.state(), State::kBody);
  EXPECT_FALSE(r.r.keep_alive()) << "the close is its framing";
  r.r.Eof();
  EXPECT_EQ(r.r.state(), State::kDone);
  EXPECT_EQ(r.r.status(), 500);
  EXPECT_EQ(r.body, "upstream exploded");
}

TEST(Http1Response, WhoMayKeepTheConnection) {
  EXPECT_FALSE(
      FeedAll("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").r.keep_alive());
  EXPECT_FALSE(FeedAll("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").r.keep_alive());
  EXPECT_TRUE(FeedAll("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
                  .r.keep_alive());
  EXPECT_TRUE(FeedAll("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                  .r.keep_alive());
}

TEST(Http1Response, BareLineFeedsAreLineEndings) {
  Read r = FeedAll("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc");
  EXPECT_EQ(r.r.state(), State::kDone);
  EXPECT_EQ(r.body, "abc");
}

TEST(Http1Response, CutOffAnswersSayWhere) {
  Read len = FeedAll("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(40, 'x'));
  len.r.Eof();
  EXPECT_EQ(len.r.state(), State::kError);
  EXPECT_NE(len.r.error().find("after 40 of 100 body bytes"), std::string::npos) << len.r.error();
  EXPECT_FALSE(len.r.keep_alive());

  Read chunked = FeedAll("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
  chunked.r.Eof();
  EXPECT_EQ(chunked.r.state(), State::kError);
  EXPECT_NE(chunked.r.error().find("chunked"), std::string::npos) << chunked.r.error();

  Read head = FeedAll("HTTP/1.1 200 OK\r\nContent-");
  head.r.Eof();
  EXPECT_EQ(head.r.state(), State::kError);
  EXPECT_NE(head.r.error().find("head"), std::string::npos) << head.r.error();

  Http1Response nothing;
  nothing.Eof();
  EXPECT_EQ(nothing.state(), State::kError);
  EXPECT_EQ(nothing.bytes_read(), 0u);
  EXPECT_NE(nothing.error().find("without answering"), std::string::npos) << nothing.error();
}

TEST(Http1Response, GarbageIsRefusedWithAReason) {
  struct Case {
    std::string wire;
    const char* says;
  };
  std::vector<Case> cases = {
      {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x answer"},
      {"HTTP/2 200\r\n\r\n", "not an HTTP/1.x answer"},
      {"HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.x answer"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "without a name"},
      {"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", "folded"},
      {"HTTP/1.1 101 Switching Protocols\r\n\r\n", "switched protocols"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
       "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n",
       "longer than its size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(2000, '1'),
       "over 1024 bytes"},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a') + "\r\n\r\n", "head is over"},
  };
  for (const Case& c : cases) {
    Read r = FeedAll(c.wire);
    EXPECT_EQ(r.r.state(), State::kError) << c.wire.substr(0, 60);
    EXPECT_NE(r.r.error().find(c.says), std::string::npos)
        << c.wire.substr(0, 60) << " -> " << r.r.error();
    EXPECT_FALSE(r.r.keep_alive());
  }
}

TEST(Http1Response, ResetReadsTheNextAnswerOnTheConnection) {
  Http1Response r;
  std::string body;
  std::string first = "HTTP/1.1 429 Slow Down\r\nRetry-After: 3\r\nContent-Length: 1\r\n\r\nx";
  r.Feed(first, &body);
  r.Feed(std::string_view(first).substr(first.find("\r\n\r\n") + 4), &body);
  ASSERT_EQ(r.state(), State::kDone);
  r.Reset();
  body.clear();
  EXPECT_EQ(r.bytes_read(), 0u);
  std::string second = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\ny\r\n0\r\n\r\n";
  size_t n = r.Feed(second, &body);
  r.Feed(std::string_view(second).substr(n), &body);
  EXPECT_EQ(r.state(), State::kDone);
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(body, "y");
  EXPECT_EQ(r.retry_after(), "") << "nothing of the last answer is left";
  EXPECT_EQ(r.bytes_read(), second.size());
}

}  // namespace
}  // namespace switchyard
