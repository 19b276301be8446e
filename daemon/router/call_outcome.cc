#include "router/call_outcome.h"

#include "answer/answer_checks.h"
#include "answer/answer_schemas.h"
#include "router/params.h"

namespace switchyard {
namespace {

Outcome OutcomeOf(AnswerProblem p) {
  switch (p) {
    case AnswerProblem::kEmpty:
      return Outcome::kEmptyAnswer;
    case AnswerProblem::kLength:
      return Outcome::kLengthLimit;
    case AnswerProblem::kContentFilter:
      return Outcome::kContentFilter;
    case AnswerProblem::kInvalidJson:
      return Outcome::kInvalidJson;
    case AnswerProblem::kRepetition:
      return Outcome::kRepetition;
    case AnswerProblem::kInvalidToolCall:
      return Outcome::kInvalidToolCall;
    case AnswerProblem::kSchemaMismatch:
      return Outcome::kSchemaMismatch;
    case AnswerProblem::kNone:
      break;
  }
  return Outcome::kOk;
}

}  // namespace

ParsedResponse ParseAndCheck(const Provider& provider, const HttpResponse& resp,
                             const CompleteRequest& req, const RouteConfig& route,
                             int64_t wall_now_ms) {
  HttpReply reply;
  reply.status = resp.status;
  reply.body = resp.body;
  reply.body_capacity = resp.body.capacity();
  reply.retry_after = resp.retry_after;
  reply.retry_after_ms = resp.retry_after_ms;
  reply.error_type = resp.error_type;
  reply.wall_now_ms = wall_now_ms;
  ParsedResponse parsed = provider.Parse(reply, req);
  if (parsed.outcome == Outcome::kOk) {
    parsed.outcome = CheckAnswer(parsed.answer, req, route, &parsed.reason);
  }
  return parsed;
}

Outcome FromTransport(TransportError e) {
  switch (e) {
    case TransportError::kConnect:
      return Outcome::kConnectError;
    case TransportError::kTimeout:
      return Outcome::kTimeout;
    default:
      return Outcome::kTransportError;
  }
}

Outcome CheckAnswer(const Answer& a, const CompleteRequest& req, const RouteConfig& route,
                    std::string* reason) {
  AnswerFacts f;
  f.content = a.content;
  f.finish_reason = a.finish_reason;
  f.output_tokens = a.usage.output_tokens;
  f.json_requested = req.json || !req.json_schema.schema.empty();
  f.length_stop_allowed = req.allow_length_stop;
  f.tool_calls = &a.tool_calls;
  // Compiled when the request was taken (Router::Complete), so this finds them cached.
  std::shared_ptr<const AnswerSchemas> schemas;
  if (AnswerSchemas::For(req, &schemas).ok()) f.schemas = schemas.get();
  AnswerVerdict v = CheckAnswer(f, ChecksOf(route.checks));
  if (v.problem == AnswerProblem::kNone) return Outcome::kOk;
  *reason = std::move(v.reason);
  return OutcomeOf(v.problem);
}

}  // namespace switchyard
