#include "http/http_url.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

TEST(HttpUrl, SplitsAuthorityHostPortAndPath) {
  HttpUrl u;
  ASSERT_TRUE(ParseHttpUrl("http://127.0.0.1:8080/v1/messages?beta=1", &u));
  EXPECT_EQ(u.authority, "127.0.0.1:8080");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "8080");
  EXPECT_EQ(u.path, "/v1/messages?beta=1");
}

TEST(HttpUrl, DefaultsToPort80AndRootPath) {
  HttpUrl u;
  ASSERT_TRUE(ParseHttpUrl("http://localhost", &u));
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, "80");
  EXPECT_EQ(u.path, "/");
}

TEST(HttpUrl, BracketedIpv6KeepsTheBracketsOnlyInTheAuthority) {
  HttpUrl u;
  ASSERT_TRUE(ParseHttpUrl("http://[::1]:9000/x", &u));
  EXPECT_EQ(u.authority, "[::1]:9000");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9000");
  ASSERT_TRUE(ParseHttpUrl("http://[::1]/", &u));
  EXPECT_EQ(u.port, "80");
}

TEST(HttpUrl, LeavesWhatItDoesNotServeToLibcurl) {
  HttpUrl u;
  for (const char* url :
       {"https://api.example/v1", "http://user:pw@host/", "http:///path", "http://host/a#frag",
        "http://host:0/", "http://host:65536/", "http://host:12a/", "http://host:/", "http://[::1/",
        "http://[::1]x/", "http://host/a b", "http://host/\r\n", "http://host/\t", "http://host#f",
        "ftp://h/", "http://host?q=1"}) {
    EXPECT_FALSE(ParseHttpUrl(url, &u)) << url;
  }
}

}  // namespace
}  // namespace switchyard
