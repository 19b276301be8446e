#include "wire/error_body.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

TEST(ErrorBody, ReadsEveryShape) {
  ErrorBody e = ReadErrorBody(R"({"error":{"message":"m","type":"t","code":"c"}})");
  EXPECT_EQ(e.message, "m");
  EXPECT_EQ(e.type, "t");
  EXPECT_EQ(e.code, "c");
  e = ReadErrorBody(
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(e.type, "overloaded_error");
  e = ReadErrorBody(R"({"object":"error","message":"flat","type":"BadRequestError","code":400})");
  EXPECT_EQ(e.message, "flat");
  EXPECT_EQ(e.code, "400");
  e = ReadErrorBody(R"({"error":"just a string"})");
  EXPECT_EQ(e.message, "just a string");
  e = ReadErrorBody("<html>Bad Gateway</html>");
  EXPECT_EQ(e.message, "<html>Bad Gateway</html>");
}

TEST(ErrorBody, StatusClassification) {
  ErrorBody none;
  EXPECT_EQ(ClassifyHttpError(429, none).outcome, Outcome::kRateLimited);
  EXPECT_EQ(ClassifyHttpError(408, none).outcome, Outcome::kServerError);
  EXPECT_EQ(ClassifyHttpError(409, none).outcome, Outcome::kServerError);
  EXPECT_EQ(ClassifyHttpError(503, none).outcome, Outcome::kServerError);
  EXPECT_EQ(ClassifyHttpError(529, none).outcome, Outcome::kServerError);
  EXPECT_EQ(ClassifyHttpError(400, none).outcome, Outcome::kClientError);
  EXPECT_EQ(ClassifyHttpError(401, none).outcome, Outcome::kClientError);
  EXPECT_EQ(ClassifyHttpError(403, none).outcome, Outcome::kClientError);
  EXPECT_EQ(ClassifyHttpError(404, none).outcome, Outcome::kBadResponse);
  ErrorBody ctx{"the request exceeds the available context size", "", ""};
  EXPECT_EQ(ClassifyHttpError(500, ctx).outcome, Outcome::kContextOverflow);
}

// Found by fuzz/provider_fuzz.cc: "31e341834183" seconds is infinity as a double, and casting
// that to int64 was undefined behaviour. Absurd waits are now a day.
TEST(ErrorBody, AbsurdRetryAfterIsADay) {
  EXPECT_EQ(RetryAfterMs("31e341834183", "", 0), 86400000);
  EXPECT_EQ(RetryAfterMs("", "1e30", 0), 86400000);
  EXPECT_EQ(RetryAfterMs("nan", "", 0), -1);
  EXPECT_EQ(RetryAfterMs("Fri, 31 Dec 9999 23:59:59 GMT", "", 0), 86400000);
}

TEST(ErrorBody, RetryAfterForms) {
  EXPECT_EQ(RetryAfterMs("2", "", 0), 2000);
  EXPECT_EQ(RetryAfterMs("1.5", "", 0), 1500);
  EXPECT_EQ(RetryAfterMs("9", "120", 0), 120);  // retry-after-ms is finer, so it wins
  EXPECT_EQ(RetryAfterMs("", "", 0), -1);
  EXPECT_EQ(RetryAfterMs("soon", "", 0), -1);
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 s after the epoch.
  EXPECT_EQ(RetryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", "", 1445412470000), 10000);
}

TEST(ErrorBody, ReasonTextIsBoundedAndValidUtf8) {
  std::string long_text(1000, 'x');
  EXPECT_EQ(ReasonText(long_text).size(), 403u);
  // Cut inside a multi-byte character: the result stays valid UTF-8.
  std::string utf(399, 'a');
  utf += "\xc3\xa9\xc3\xa9";
  std::string cut = ReasonText(utf);
  EXPECT_EQ(cut, std::string(399, 'a') + "...");
  EXPECT_EQ(ReasonText("bad \xff byte"), "bad ? byte");
  EXPECT_EQ(ReasonText("short and fine"), "short and fine");
}

}  // namespace
}  // namespace switchyard
