#include "answer/answer_checks.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

AnswerFacts Facts(std::string_view content, std::string_view finish = "stop",
                  int64_t output_tokens = 10) {
  AnswerFacts f;
  f.content = content;
  f.finish_reason = finish;
  f.output_tokens = output_tokens;
  return f;
}

TEST(AnswerChecks, AGoodAnswerPasses) {
  EXPECT_EQ(CheckAnswer(Facts("Paris is the capital of France."), {}).problem,
            AnswerProblem::kNone);
}

TEST(AnswerChecks, EmptyWithNoTokensFailsUnlessSwitchedOff) {
  EXPECT_EQ(CheckAnswer(Facts("", "stop", 0), {}).problem, AnswerProblem::kEmpty);
  // Text-less answers that did produce tokens (tool calls) are not empty.
  EXPECT_EQ(CheckAnswer(Facts("", "tool_calls", 12), {}).problem, AnswerProblem::kNone);
  AnswerChecks off;
  off.empty = false;
  EXPECT_EQ(CheckAnswer(Facts("", "stop", 0), off).problem, AnswerProblem::kNone);
}

TEST(AnswerChecks, LengthStopFailsUnlessTheClientAllowedIt) {
  AnswerFacts f = Facts("The answer is", "length", 256);
  EXPECT_EQ(CheckAnswer(f, {}).problem, AnswerProblem::kLength);
  f.length_stop_allowed = true;
  EXPECT_EQ(CheckAnswer(f, {}).problem, AnswerProblem::kNone);
  f.length_stop_allowed = false;
  AnswerChecks off;
  off.length = false;
  EXPECT_EQ(CheckAnswer(f, off).problem, AnswerProblem::kNone);
}

TEST(AnswerChecks, ContentFilter) {
  EXPECT_EQ(CheckAnswer(Facts("I can't", "content_filter"), {}).problem,
            AnswerProblem::kContentFilter);
  AnswerChecks off;
  off.content_filter = false;
  EXPECT_EQ(CheckAnswer(Facts("I can't", "content_filter"), off).problem, AnswerProblem::kNone);
}

TEST(AnswerChecks, JsonOnlyWhenAskedFor) {
  AnswerFacts f = Facts("{\"a\": [1, 2");
  EXPECT_EQ(CheckAnswer(f, {}).problem, AnswerProblem::kNone);  // not a json request
  f.json_requested = true;
  EXPECT_EQ(CheckAnswer(f, {}).problem, AnswerProblem::kInvalidJson);
  f.content = "{\"a\": [1, 2]}";
  EXPECT_EQ(CheckAnswer(f, {}).problem, AnswerProblem::kNone);
  f.content = "```json\n{\"a\": 1}\n```";  // fenced JSON is JSON
  EXPECT_EQ(CheckAnswer(f, {}).problem, AnswerProblem::kNone);
  f.content = "Sure! {\"a\": 1}";
  AnswerChecks off;
  off.json = false;
  EXPECT_EQ(CheckAnswer(f, off).problem, AnswerProblem::kNone);
  EXPECT_EQ(CheckAnswer(f, {}).problem, AnswerProblem::kInvalidJson);
}

TEST(AnswerChecks, DegenerateRepetition) {
  std::string loop = "Here is my answer. ";
  for (int i = 0; i < 40; ++i) loop += "I am sorry, I cannot help. ";
  EXPECT_TRUE(HasDegenerateRepetition(loop));
  EXPECT_EQ(CheckAnswer(Facts(loop), {}).problem, AnswerProblem::kRepetition);
  AnswerChecks off;
  off.repetition = false;
  EXPECT_EQ(CheckAnswer(Facts(loop), off).problem, AnswerProblem::kNone);
  EXPECT_TRUE(HasDegenerateRepetition(std::string(500, 'a')));
}

TEST(AnswerChecks, OrdinaryTextIsNotRepetition) {
  std::string prose;
  for (int i = 0; i < 200; ++i) prose += "Sentence number " + std::to_string(i) + " says something. ";
  EXPECT_FALSE(HasDegenerateRepetition(prose));
  EXPECT_FALSE(HasDegenerateRepetition("short"));
  // A few repeats (a list, a refrain) at the end of a long answer are not a loop; the same
  // refrain eighty times is.
  std::string refrain = prose + "And the chorus goes: la la la la la la";
  ASSERT_GT(refrain.size(), 200u);
  EXPECT_FALSE(HasDegenerateRepetition(refrain));
  for (int i = 0; i < 80; ++i) refrain += " la";
  EXPECT_TRUE(HasDegenerateRepetition(refrain));
}

}  // namespace
}  // namespace switchyard
