#include "base/status.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

Status FailsThenReturns(bool fail) {
  SY_RETURN_IF_ERROR(fail ? Status::IoError("disk") : Status::Ok());
  return Status::NotFound("reached the end");
}

TEST(Status, OkAndErrorsCarryCodeAndMessage) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Status::InvalidArgument("bad key");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "invalid argument: bad key");
}

TEST(Status, ReturnIfErrorStopsAtTheFirstError) {
  EXPECT_EQ(FailsThenReturns(true).code(), Status::Code::kIoError);
  EXPECT_EQ(FailsThenReturns(false).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace switchyard
