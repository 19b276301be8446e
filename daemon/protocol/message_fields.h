// The keys of each message of schema/protocol.md, listed once (protocol/map_fields.h says
// how they are walked). The order is the order they are packed in; readers look keys up by
// name. Add a key here and it is written, read and counted; validation beyond types (ranges,
// the roles a message may have) is the decoder's, after reading.
#pragma once

#include "protocol/map_fields.h"
#include "protocol/messages.h"

namespace switchyard {

template <typename Io, Is<Usage> M>
Status Fields(Io& io, M& u) {
  SY_RETURN_IF_ERROR(io.Field("input_tokens", u.input_tokens));
  return io.Field("output_tokens", u.output_tokens);
}

template <typename Io, Is<Truncation> M>
Status Fields(Io& io, M& t) {
  SY_RETURN_IF_ERROR(io.Field("tokens_before", t.tokens_before));
  SY_RETURN_IF_ERROR(io.Field("tokens_after", t.tokens_after));
  SY_RETURN_IF_ERROR(io.Field("dropped_messages", t.dropped_messages));
  return io.Field("cut_chars", t.cut_chars);
}

template <typename Io, Is<AttemptReport> M>
Status Fields(Io& io, M& a) {
  SY_RETURN_IF_ERROR(io.Field("model", a.model, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("outcome", a.outcome, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("latency_ms", a.latency_ms));
  SY_RETURN_IF_ERROR(io.Field("reason", a.reason));
  SY_RETURN_IF_ERROR(io.Field("http_status", a.http_status));
  SY_RETURN_IF_ERROR(io.Field("usage", a.usage));
  SY_RETURN_IF_ERROR(io.Field("cost_usd", a.cost_usd));
  SY_RETURN_IF_ERROR(io.Field("timeout_ms", a.timeout_ms));
  SY_RETURN_IF_ERROR(io.Field("truncated", a.truncated));
  SY_RETURN_IF_ERROR(io.Optional("truncation", a.truncation, a.truncated));
  SY_RETURN_IF_ERROR(io.Field("ttft_ms", a.ttft_ms));
  return io.Optional("last_tier", a.last_tier, a.last_tier);
}

template <typename Io, Is<ContentPart> M>
Status Fields(Io& io, M& p) {
  // "text" or "image_url", as OpenAI names them.
  std::string type = p.kind == ContentPart::Kind::kImage ? "image_url" : "text";
  SY_RETURN_IF_ERROR(io.Field("type", type, Need::kRequired));
  if constexpr (!std::is_const_v<M>) {
    if (type != "text" && type != "image_url") {
      return Status::InvalidArgument("parts[].type: must be text or image_url, got '" +
                                     Printable(type) + "'");
    }
    p.kind = type == "image_url" ? ContentPart::Kind::kImage : ContentPart::Kind::kText;
  }
  SY_RETURN_IF_ERROR(io.Optional("text", p.text, !p.text.empty()));
  SY_RETURN_IF_ERROR(io.Optional("image_url", p.image_url, !p.image_url.empty()));
  return io.Optional("detail", p.detail, !p.detail.empty());
}

template <typename Io, Is<ToolCall> M>
Status Fields(Io& io, M& c) {
  SY_RETURN_IF_ERROR(io.Field("id", c.id, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("name", c.name, Need::kRequired));
  return io.Field("arguments", c.arguments, Need::kRequired);
}

template <typename Io, Is<ToolCallDelta> M>
Status Fields(Io& io, M& d) {
  SY_RETURN_IF_ERROR(io.Field("index", d.index, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Optional("id", d.id, !d.id.empty()));
  SY_RETURN_IF_ERROR(io.Optional("name", d.name, !d.name.empty()));
  return io.Field("arguments", d.arguments);
}

template <typename Io, Is<Message> M>
Status Fields(Io& io, M& m) {
  SY_RETURN_IF_ERROR(io.Field("role", m.role, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("content", m.content, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Optional("parts", m.parts, !m.parts.empty()));
  SY_RETURN_IF_ERROR(io.Optional("tool_calls", m.tool_calls, !m.tool_calls.empty()));
  SY_RETURN_IF_ERROR(io.Optional("tool_call_id", m.tool_call_id, !m.tool_call_id.empty()));
  return io.Optional("is_error", m.is_error, m.is_error);
}

template <typename Io, Is<Tool> M>
Status Fields(Io& io, M& t) {
  SY_RETURN_IF_ERROR(io.Field("name", t.name, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Optional("description", t.description, !t.description.empty()));
  SY_RETURN_IF_ERROR(io.Optional("parameters", t.parameters, !t.parameters.empty()));
  return io.Optional("strict", t.strict, t.strict);
}

template <typename Io, Is<ToolChoice> M>
Status Fields(Io& io, M& c) {
  SY_RETURN_IF_ERROR(io.Field("mode", c.mode, Need::kRequired));
  return io.Optional("name", c.name, !c.name.empty());
}

template <typename Io, Is<JsonSchemaFormat> M>
Status Fields(Io& io, M& f) {
  SY_RETURN_IF_ERROR(io.Field("name", f.name));
  SY_RETURN_IF_ERROR(io.Field("schema", f.schema, Need::kRequired));
  return io.Optional("strict", f.strict, f.strict);
}

template <typename Io, Is<CompleteRequest> M>
Status Fields(Io& io, M& r) {
  SY_RETURN_IF_ERROR(io.Field("route", r.route, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("messages", r.messages, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("max_tokens", r.max_tokens, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Optional("temperature", r.temperature, r.temperature.has_value()));
  SY_RETURN_IF_ERROR(io.Field("task", r.task));
  SY_RETURN_IF_ERROR(io.Optional("deadline_ms", r.deadline_ms, r.deadline_ms > 0));
  SY_RETURN_IF_ERROR(io.Field("stream", r.stream));
  SY_RETURN_IF_ERROR(io.Optional("json", r.json, r.json));
  SY_RETURN_IF_ERROR(io.Optional("allow_length_stop", r.allow_length_stop, r.allow_length_stop));
  SY_RETURN_IF_ERROR(io.Field("metadata", r.metadata));
  SY_RETURN_IF_ERROR(io.Optional("tools", r.tools, !r.tools.empty()));
  SY_RETURN_IF_ERROR(io.Optional("tool_choice", r.tool_choice, !r.tool_choice.mode.empty()));
  SY_RETURN_IF_ERROR(
      io.Optional("parallel_tool_calls", r.parallel_tool_calls, r.parallel_tool_calls.has_value()));
  SY_RETURN_IF_ERROR(io.Optional("json_schema", r.json_schema, !r.json_schema.schema.empty()));
  SY_RETURN_IF_ERROR(io.Optional("stop", r.stop, !r.stop.empty()));
  SY_RETURN_IF_ERROR(io.Optional("top_p", r.top_p, r.top_p.has_value()));
  SY_RETURN_IF_ERROR(io.Optional("seed", r.seed, r.seed.has_value()));
  SY_RETURN_IF_ERROR(io.Optional("user", r.user, !r.user.empty()));
  return io.Optional("reasoning_effort", r.reasoning_effort, !r.reasoning_effort.empty());
}

template <typename Io, Is<CompleteResult> M>
Status Fields(Io& io, M& r) {
  SY_RETURN_IF_ERROR(io.Field("request_id", r.request_id));
  SY_RETURN_IF_ERROR(io.Field("model", r.model, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("content", r.content, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("finish_reason", r.finish_reason));
  SY_RETURN_IF_ERROR(io.Field("usage", r.usage));
  SY_RETURN_IF_ERROR(io.Field("latency_ms", r.latency_ms));
  SY_RETURN_IF_ERROR(io.Field("cost_usd", r.cost_usd));
  SY_RETURN_IF_ERROR(io.Field("truncated", r.truncated));
  SY_RETURN_IF_ERROR(io.Optional("truncation", r.truncation, r.truncated));
  SY_RETURN_IF_ERROR(io.Field("attempts", r.attempts));
  SY_RETURN_IF_ERROR(io.Optional("tool_calls", r.tool_calls, !r.tool_calls.empty()));
  return io.WriteOnly(
      "fallbacks", r.attempts.empty() ? int64_t{0} : static_cast<int64_t>(r.attempts.size()) - 1);
}

template <typename Io, Is<RpcError> M>
Status Fields(Io& io, M& e) {
  SY_RETURN_IF_ERROR(io.Field("request_id", e.request_id));
  SY_RETURN_IF_ERROR(io.Field("code", e.code, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("message", e.message));
  SY_RETURN_IF_ERROR(io.Field("http_status", e.http_status));
  return io.Field("attempts", e.attempts);
}

template <typename Io, Is<StreamChunk> M>
Status Fields(Io& io, M& c) {
  SY_RETURN_IF_ERROR(io.Field("msgid", c.msgid, Need::kRequired));
  SY_RETURN_IF_ERROR(io.Field("index", c.index));
  SY_RETURN_IF_ERROR(io.Field("content", c.content, Need::kRequired));
  return io.Optional("tool_calls", c.tool_calls, !c.tool_calls.empty());
}

template <typename Io, Is<TaskStatus> M>
Status Fields(Io& io, M& t) {
  SY_RETURN_IF_ERROR(io.Field("samples", t.samples));
  SY_RETURN_IF_ERROR(io.Field("p50_ms", t.p50_ms));
  SY_RETURN_IF_ERROR(io.Field("p95_ms", t.p95_ms));
  SY_RETURN_IF_ERROR(io.Field("timeout_ms", t.timeout_ms));
  SY_RETURN_IF_ERROR(io.Field("censored_share", t.censored_share));
  SY_RETURN_IF_ERROR(io.Field("frozen_since_ms", t.frozen_since_ms));
  SY_RETURN_IF_ERROR(io.Field("first_token_samples", t.first_token_samples));
  SY_RETURN_IF_ERROR(io.Field("first_token_p95_ms", t.first_token_p95_ms));
  SY_RETURN_IF_ERROR(io.Field("first_token_timeout_ms", t.first_token_timeout_ms));
  SY_RETURN_IF_ERROR(io.Field("first_token_censored_share", t.first_token_censored_share));
  SY_RETURN_IF_ERROR(io.Field("first_token_frozen_since_ms", t.first_token_frozen_since_ms));
  SY_RETURN_IF_ERROR(io.Field("timeout_source", t.timeout_source));
  return io.Field("fleet_samples", t.fleet_samples);
}

template <typename Io, Is<ModelStatus> M>
Status Fields(Io& io, M& m) {
  SY_RETURN_IF_ERROR(io.Field("provider", m.provider));
  SY_RETURN_IF_ERROR(io.Field("breaker", m.breaker));
  SY_RETURN_IF_ERROR(io.Field("failure_rate", m.failure_rate));
  SY_RETURN_IF_ERROR(io.Field("slow_call_rate", m.slow_call_rate));
  SY_RETURN_IF_ERROR(io.Field("window_calls", m.window_calls));
  SY_RETURN_IF_ERROR(io.Field("half_open_in_ms", m.half_open_in_ms));
  SY_RETURN_IF_ERROR(io.Field("timeout_ms", m.timeout_ms));
  SY_RETURN_IF_ERROR(io.Field("in_flight", m.in_flight));
  return io.Keyed("tasks", m.tasks, &TaskStatus::task);
}

template <typename Io, Is<RouteStatus> M>
Status Fields(Io& io, M& r) {
  SY_RETURN_IF_ERROR(io.Field("budget_usd_per_day", r.budget_usd_per_day));
  SY_RETURN_IF_ERROR(io.Field("spent_today_usd", r.spent_today_usd));
  SY_RETURN_IF_ERROR(io.Field("over_budget", r.over_budget));
  return io.Field("start_tier", r.start_tier);
}

template <typename Io, Is<HistoryStatus> M>
Status Fields(Io& io, M& h) {
  SY_RETURN_IF_ERROR(io.Field("enabled", h.enabled));
  SY_RETURN_IF_ERROR(io.Field("queued_rows", h.queued_rows));
  SY_RETURN_IF_ERROR(io.Field("written_rows", h.written_rows));
  SY_RETURN_IF_ERROR(io.Field("dropped_rows", h.dropped_rows));
  return io.Field("write_errors", h.write_errors);
}

template <typename Io, Is<FleetStatus> M>
Status Fields(Io& io, M& f) {
  SY_RETURN_IF_ERROR(io.Field("state", f.state));
  SY_RETURN_IF_ERROR(io.Field("redis", f.redis));
  SY_RETURN_IF_ERROR(io.Field("name", f.name));
  SY_RETURN_IF_ERROR(io.Field("host", f.host));
  SY_RETURN_IF_ERROR(io.Field("since_ms", f.since_ms));
  SY_RETURN_IF_ERROR(io.Field("last_error", f.last_error));
  SY_RETURN_IF_ERROR(io.Field("hosts", f.hosts));
  SY_RETURN_IF_ERROR(io.Field("events_sent", f.events_sent));
  SY_RETURN_IF_ERROR(io.Field("events_applied", f.events_applied));
  return io.Field("reconnects", f.reconnects);
}

template <typename Io, Is<StatusResult> M>
Status Fields(Io& io, M& s) {
  SY_RETURN_IF_ERROR(io.Field("version", s.version));
  SY_RETURN_IF_ERROR(io.Field("uptime_ms", s.uptime_ms));
  SY_RETURN_IF_ERROR(io.Field("requests_in_flight", s.requests_in_flight));
  SY_RETURN_IF_ERROR(io.Field("connections", s.connections));
  SY_RETURN_IF_ERROR(io.Keyed("models", s.models, &ModelStatus::name));
  SY_RETURN_IF_ERROR(io.Keyed("routes", s.routes, &RouteStatus::name));
  SY_RETURN_IF_ERROR(io.Field("history", s.history));
  return io.Field("fleet", s.fleet);
}

}  // namespace switchyard
