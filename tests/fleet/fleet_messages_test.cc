#include "fleet/fleet_messages.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

TEST(FleetMessages, ABreakerEventRoundTripsAsTheDocumentedJson) {
  FleetBreakerEvent e;
  e.model = "gpt-4o";
  e.open = true;
  e.open_until_ms = 1764806400000;
  e.cooldown_ms = 5000;
  e.host = "web-1";
  e.instance = "00ff";
  e.reason = "5 consecutive failures";
  e.ts_ms = 1764806395000;
  std::string json = EncodeBreakerEvent(e);
  EXPECT_EQ(json,
            R"({"v":1,"model":"gpt-4o","state":"open","open_until_ms":1764806400000,)"
            R"("cooldown_ms":5000,"host":"web-1","instance":"00ff",)"
            R"("reason":"5 consecutive failures","ts_ms":1764806395000})");
  FleetBreakerEvent back;
  ASSERT_TRUE(DecodeBreakerEvent(json, &back).ok());
  EXPECT_EQ(back.model, "gpt-4o");
  EXPECT_TRUE(back.open);
  EXPECT_EQ(back.open_until_ms, e.open_until_ms);
  EXPECT_EQ(back.cooldown_ms, 5000);
  EXPECT_EQ(back.host, "web-1");
  EXPECT_EQ(back.instance, "00ff");
  EXPECT_EQ(back.reason, e.reason);

  e.open = false;
  ASSERT_TRUE(DecodeBreakerEvent(EncodeBreakerEvent(e), &back).ok());
  EXPECT_FALSE(back.open);
  EXPECT_EQ(EncodeBreakerEvent(e).find("open_until_ms"), std::string::npos);
}

TEST(FleetMessages, BadMessagesSayWhatIsWrong) {
  FleetBreakerEvent e;
  EXPECT_NE(DecodeBreakerEvent("not json", &e).message().find("not a JSON object"),
            std::string::npos);
  EXPECT_NE(DecodeBreakerEvent(R"({"v":2})", &e).message().find("version 2"), std::string::npos);
  EXPECT_NE(DecodeBreakerEvent(R"({"v":1,"model":"m","state":"ajar"})", &e)
                .message()
                .find("unknown state \"ajar\""),
            std::string::npos);
  EXPECT_NE(DecodeBreakerEvent(R"({"v":1,"model":"m","state":"open"})", &e)
                .message()
                .find("\"open_until_ms\" is missing"),
            std::string::npos);
}

TEST(FleetMessages, SummariesKeepEveryBucketAndTheCensoredOnes) {
  HostSummaries h;
  h.host = "web-2";
  h.instance = "abc";
  h.ts_ms = 42;
  LatencySummary s;
  s.kind = "answer";
  s.model = "gpt-4o";
  s.task = "summarise";
  for (int i = 0; i < 30; ++i) s.all.Add(LatencyHistogram::BucketOf(100 + i * 10));
  s.all.Add(LatencyHistogram::BucketOf(900));
  s.censored.Add(LatencyHistogram::BucketOf(900));
  h.summaries.push_back(s);
  s.kind = "first_token";
  h.summaries.push_back(s);
  HostSummaries back;
  ASSERT_TRUE(DecodeHostSummaries(EncodeHostSummaries(h), &back).ok());
  EXPECT_EQ(back.host, "web-2");
  ASSERT_EQ(back.summaries.size(), 2u);
  EXPECT_EQ(back.summaries[1].kind, "first_token");
  EXPECT_EQ(back.summaries[0].task, "summarise");
  EXPECT_EQ(back.summaries[0].all.count(), 31u);
  EXPECT_EQ(back.summaries[0].censored.count(), 1u);
  for (int b = 0; b < LatencyHistogram::kBuckets; ++b) {
    EXPECT_EQ(back.summaries[0].all.at(b), s.all.at(b)) << b;
  }
}

TEST(FleetMessages, SummariesOutOfRangeAreRefused) {
  HostSummaries h;
  const char* head = R"({"v":1,"host":"h","instance":"i","ts_ms":1,"summaries":[{"kind":"answer",)"
                     R"("model":"m","task":"t",)";
  EXPECT_NE(DecodeHostSummaries(std::string(head) + R"("buckets":[[512,1]],"censored":[]}]})", &h)
                .message()
                .find("out of range"),
            std::string::npos);
  EXPECT_NE(DecodeHostSummaries(std::string(head) + R"("buckets":[[3,1]],"censored":[[3,2]]}]})",
                                &h)
                .message()
                .find("more cut-off samples than samples"),
            std::string::npos);
  EXPECT_NE(
      DecodeHostSummaries(std::string(head) + R"("buckets":[3],"censored":[]}]})", &h).message().find(
          "[bucket, count]"),
      std::string::npos);
}

}  // namespace
}  // namespace switchyard
