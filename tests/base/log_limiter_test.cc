#include "base/log_limiter.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace switchyard {
namespace {

TEST(LogLimiter, AKeyWritesItsBurstPerWindowAndCountsTheRest) {
  LogLimiter limit(1000, 3);
  int64_t held = -1;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limit.Allow("route chat: big timeout", 10, &held));
  EXPECT_EQ(held, 0);
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(limit.Allow("route chat: big timeout", 500, &held));
  // Another key has its own allowance.
  EXPECT_TRUE(limit.Allow("route chat: small timeout", 500, &held));
  // The next window: the line goes out, and says how many did not.
  EXPECT_TRUE(limit.Allow("route chat: big timeout", 1010, &held));
  EXPECT_EQ(held, 50);
  EXPECT_TRUE(limit.Allow("route chat: big timeout", 1020, &held));
  EXPECT_EQ(held, 0);
}

class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST(LogLimiter, AFloodWritesAFewLinesAndOneCount) {
  CapturedLog log;
  LogLimiter limit(1000, 3);
  for (int i = 0; i < 10000; ++i) {
    limit.Log(i / 10, spdlog::level::warn, "route chat: all_models_failed",
              "route chat: all_models_failed after {} call(s)", 3);
  }
  // 10,000 lines over a second: three written, and the rest counted once the key is quiet.
  limit.FlushHeldBack(2000);
  std::string text = log.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << text;
  EXPECT_NE(text.find("warning 9997 more line(s) like \"route chat: all_models_failed\" were not "
                      "logged (at most 3 every 1000 ms)"),
            std::string::npos)
      << text;
  // Nothing left to say: a second flush writes nothing, and forgets the key.
  limit.FlushHeldBack(4000);
  EXPECT_EQ(log.text(), text);
}

TEST(LogLimiter, LinesBelowTheLevelCostNothing) {
  CapturedLog log;
  LogLimiter limit(1000, 1);
  limit.Log(0, spdlog::level::debug, "k", "not at info");
  limit.Log(0, spdlog::level::info, "k", "written");
  EXPECT_EQ(log.text(), "info written\n");
}

}  // namespace
}  // namespace switchyard
