#include "answer/answer_schemas.h"

#include <simdjson.h>

#include <map>

namespace switchyard {
namespace {

constexpr size_t kCacheEntries = 256;
// Sets larger than this are compiled for their request alone: the cache holds at most
// 256 x 64 KB of schema text, whatever clients send.
constexpr size_t kMaxCachedKeyBytes = 64 << 10;

std::string KeyOf(const CompleteRequest& req) {
  std::string key = req.json_schema.schema;
  for (const Tool& t : req.tools) {
    key.push_back('\0');
    key += t.name;
    key.push_back('\0');
    key += t.parameters;
  }
  return key;
}

bool IsJsonObject(std::string_view text) {
  simdjson::padded_string copy(text);
  static thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(copy).get(doc) == simdjson::SUCCESS && doc.is_object();
}

}  // namespace

Status CheckToolArguments(const CompleteRequest& req) {
  for (size_t i = 0; i < req.messages.size(); ++i) {
    const std::vector<ToolCall>& calls = req.messages[i].tool_calls;
    for (size_t j = 0; j < calls.size(); ++j) {
      if (!calls[j].arguments.empty() && !IsJsonObject(calls[j].arguments)) {
        return Status::InvalidArgument("messages[" + std::to_string(i) + "].tool_calls[" +
                                       std::to_string(j) +
                                       "].arguments: expected a JSON object as text");
      }
    }
  }
  return Status::Ok();
}

Status AnswerSchemas::For(const CompleteRequest& req, std::shared_ptr<const AnswerSchemas>* out) {
  out->reset();
  if (req.tools.empty() && req.json_schema.schema.empty()) return Status::Ok();
  static thread_local std::map<std::string, std::shared_ptr<const AnswerSchemas>> cache;
  std::string key = KeyOf(req);
  if (auto it = cache.find(key); it != cache.end()) {
    *out = it->second;
    return Status::Ok();
  }
  auto s = std::make_shared<AnswerSchemas>();
  if (!req.json_schema.schema.empty()) {
    Status st = JsonSchema::Compile(req.json_schema.schema, &s->answer_);
    if (!st.ok()) return Status::InvalidArgument("json_schema.schema: " + st.message());
  }
  for (size_t i = 0; i < req.tools.size(); ++i) {
    Entry e;
    e.name = req.tools[i].name;
    if (!req.tools[i].parameters.empty()) {
      Status st = JsonSchema::Compile(req.tools[i].parameters, &e.schema);
      if (!st.ok()) {
        return Status::InvalidArgument("tools[" + std::to_string(i) +
                                       "].parameters: " + st.message());
      }
    }
    s->tools_.push_back(std::move(e));
  }
  // NOTE: a full cache is emptied rather than aged: 256 distinct tool sets in flight at once
  // is far past what one host's apps send, and the next requests compile theirs again.
  if (key.size() <= kMaxCachedKeyBytes) {
    if (cache.size() >= kCacheEntries) cache.clear();
    cache.emplace(std::move(key), s);
  }
  *out = std::move(s);
  return Status::Ok();
}

AnswerVerdict AnswerSchemas::CheckToolCalls(const std::vector<ToolCall>& calls) const {
  for (size_t i = 0; i < calls.size(); ++i) {
    const ToolCall& c = calls[i];
    std::string at = "tool call " + std::to_string(i) + " (" + c.name + ")";
    const Entry* tool = nullptr;
    for (const Entry& e : tools_) {
      if (e.name == c.name) tool = &e;
    }
    if (!tool) {
      return {AnswerProblem::kInvalidToolCall, at + ": names a tool the request did not offer"};
    }
    std::string_view args = c.arguments.empty() ? std::string_view("{}") : c.arguments;
    if (!IsJsonObject(args)) {
      return {AnswerProblem::kInvalidToolCall, at + ": arguments are not a JSON object"};
    }
    if (tool->schema) {
      Status s = tool->schema->Validate(args);
      if (!s.ok()) {
        return {AnswerProblem::kInvalidToolCall,
                at + ": arguments off the tool's schema " + s.message()};
      }
    }
  }
  return {};
}

AnswerVerdict AnswerSchemas::CheckAnswer(std::string_view content) const {
  if (!answer_) return {};
  Status s = answer_->Validate(content);
  if (s.ok()) return {};
  return {AnswerProblem::kSchemaMismatch, "answer off the json_schema " + s.message()};
}

}  // namespace switchyard
