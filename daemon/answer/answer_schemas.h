// A request's schemas, compiled: its json_schema and each tool's parameters. Agents send
// the same tools on every turn, so each distinct set is compiled once and kept in a small
// cache of the calling thread's (the loop's). Checks what comes back: a tool call is to a
// tool offered, with JSON arguments that follow that tool's schema; a json_schema answer
// follows the schema. Reasons name the call or the first failing path.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "answer/answer_checks.h"
#include "answer/json_schema.h"
#include "base/status.h"
#include "protocol/messages.h"

namespace switchyard {

// InvalidArgument naming the field when a tool call in `req`'s history has arguments that
// are not a JSON object (every provider needs one). Checked once, when a request is taken.
Status CheckToolArguments(const CompleteRequest& req);

class AnswerSchemas {
 public:
  // The compiled schemas of `req`, or null (Ok) when it has neither tools nor a json_schema.
  // InvalidArgument naming the field when a schema does not compile.
  static Status For(const CompleteRequest& req, std::shared_ptr<const AnswerSchemas>* out);

  AnswerVerdict CheckToolCalls(const std::vector<ToolCall>& calls) const;
  AnswerVerdict CheckAnswer(std::string_view content) const;

 private:
  struct Entry {
    std::string name;
    std::unique_ptr<JsonSchema> schema;  // null: the tool takes any arguments object
  };
  std::vector<Entry> tools_;
  std::unique_ptr<JsonSchema> answer_;  // null: no json_schema
};

}  // namespace switchyard
