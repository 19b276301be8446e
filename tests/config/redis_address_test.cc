#include "config/redis_address.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

TEST(RedisAddress, ParsesTcpAndUnixForms) {
  RedisAddress a;
  ASSERT_TRUE(ParseRedisAddress("redis://10.0.0.5:6380", &a).ok());
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, 6380);
  EXPECT_FALSE(a.is_unix());
  ASSERT_TRUE(ParseRedisAddress("redis://cache.internal", &a).ok());
  EXPECT_EQ(a.host, "cache.internal");
  EXPECT_EQ(a.port, 6379);
  EXPECT_EQ(a.ToString(), "redis://cache.internal:6379");
  ASSERT_TRUE(ParseRedisAddress("redis://[::1]:7000/0", &a).ok());
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 7000);
  EXPECT_EQ(a.ToString(), "redis://[::1]:7000");
  ASSERT_TRUE(ParseRedisAddress("unix:/run/redis/redis.sock", &a).ok());
  EXPECT_TRUE(a.is_unix());
  EXPECT_EQ(a.path, "/run/redis/redis.sock");
  ASSERT_TRUE(ParseRedisAddress("unix:///run/redis.sock", &a).ok());
  EXPECT_EQ(a.path, "/run/redis.sock");
}

TEST(RedisAddress, RefusesWhatItCannotUseAndSaysWhy) {
  RedisAddress a;
  EXPECT_NE(ParseRedisAddress("redis://:secret@host:6379", &a).message().find("password_file"),
            std::string::npos);
  EXPECT_NE(ParseRedisAddress("rediss://host", &a).message().find("not supported"),
            std::string::npos);
  EXPECT_NE(ParseRedisAddress("redis://host:0", &a).message().find("out of range"),
            std::string::npos);
  EXPECT_NE(ParseRedisAddress("redis://host:http", &a).message().find("bad port"),
            std::string::npos);
  EXPECT_NE(ParseRedisAddress("redis://host/3", &a).message().find("database"), std::string::npos);
  EXPECT_NE(ParseRedisAddress("unix:relative.sock", &a).message().find("absolute"),
            std::string::npos);
  EXPECT_NE(ParseRedisAddress("redis://:6379", &a).message().find("no host"), std::string::npos);
}

}  // namespace
}  // namespace switchyard
