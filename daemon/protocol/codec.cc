#include "protocol/codec.h"

#include <cmath>

#include "base/utf8.h"

namespace switchyard {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

void PackStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

const char* TypeName(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "a boolean";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
      return "an integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "a float";
    case msgpack::type::STR:
      return "a string";
    case msgpack::type::BIN:
      return "binary";
    case msgpack::type::ARRAY:
      return "an array";
    case msgpack::type::MAP:
      return "a map";
    case msgpack::type::EXT:
      return "an extension";
  }
  return "unknown";
}

Status WrongType(const std::string& field, const char* expected, const msgpack::object& got) {
  return Status::InvalidArgument(field + ": expected " + expected + ", got " + TypeName(got));
}

std::string_view AsView(const msgpack::object& o) { return {o.via.str.ptr, o.via.str.size}; }

// Read-only lookup of string keys in a msgpack map.
class MapView {
 public:
  explicit MapView(const msgpack::object& m) : m_(m) {}
  const msgpack::object* Find(std::string_view key) const {
    for (uint32_t i = 0; i < m_.via.map.size; ++i) {
      const msgpack::object_kv& kv = m_.via.map.ptr[i];
      if (kv.key.type == msgpack::type::STR && AsView(kv.key) == key) return &kv.val;
    }
    return nullptr;
  }

 private:
  const msgpack::object& m_;
};

bool IsNil(const msgpack::object* o) { return !o || o->type == msgpack::type::NIL; }

Status GetString(const MapView& m, std::string_view key, const std::string& path, std::string* out,
                 bool required) {
  const msgpack::object* o = m.Find(key);
  if (IsNil(o)) {
    return required ? Status::InvalidArgument(path + ": is required") : Status::Ok();
  }
  if (o->type != msgpack::type::STR) return WrongType(path, "a string", *o);
  if (!IsValidUtf8(AsView(*o))) return Status::InvalidArgument(path + ": not valid UTF-8");
  out->assign(o->via.str.ptr, o->via.str.size);
  return Status::Ok();
}

Status GetInt(const MapView& m, std::string_view key, const std::string& path, int64_t* out,
              bool required) {
  const msgpack::object* o = m.Find(key);
  if (IsNil(o)) {
    return required ? Status::InvalidArgument(path + ": is required") : Status::Ok();
  }
  if (o->type == msgpack::type::POSITIVE_INTEGER) {
    if (o->via.u64 > static_cast<uint64_t>(INT64_MAX))
      return Status::InvalidArgument(path + ": too large");
    *out = static_cast<int64_t>(o->via.u64);
  } else if (o->type == msgpack::type::NEGATIVE_INTEGER) {
    *out = o->via.i64;
  } else {
    return WrongType(path, "an integer", *o);
  }
  return Status::Ok();
}

Status GetDouble(const MapView& m, std::string_view key, const std::string& path, double* out) {
  const msgpack::object* o = m.Find(key);
  if (IsNil(o)) return Status::Ok();
  switch (o->type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      *out = o->via.f64;
      return Status::Ok();
    case msgpack::type::POSITIVE_INTEGER:
      *out = static_cast<double>(o->via.u64);
      return Status::Ok();
    case msgpack::type::NEGATIVE_INTEGER:
      *out = static_cast<double>(o->via.i64);
      return Status::Ok();
    default:
      return WrongType(path, "a number", *o);
  }
}

Status GetBool(const MapView& m, std::string_view key, const std::string& path, bool* out) {
  const msgpack::object* o = m.Find(key);
  if (IsNil(o)) return Status::Ok();
  if (o->type != msgpack::type::BOOLEAN) return WrongType(path, "a boolean", *o);
  *out = o->via.boolean;
  return Status::Ok();
}

Status RequireMap(const msgpack::object* o, const std::string& path) {
  if (!o) return Status::InvalidArgument(path + ": is required");
  if (o->type != msgpack::type::MAP) return WrongType(path, "a map", *o);
  return Status::Ok();
}

Status ScalarToString(const msgpack::object& o, const std::string& path, std::string* out) {
  switch (o.type) {
    case msgpack::type::STR:
      if (!IsValidUtf8(AsView(o))) return Status::InvalidArgument(path + ": not valid UTF-8");
      out->assign(o.via.str.ptr, o.via.str.size);
      return Status::Ok();
    case msgpack::type::BOOLEAN:
      *out = o.via.boolean ? "true" : "false";
      return Status::Ok();
    case msgpack::type::POSITIVE_INTEGER:
      *out = std::to_string(o.via.u64);
      return Status::Ok();
    case msgpack::type::NEGATIVE_INTEGER:
      *out = std::to_string(o.via.i64);
      return Status::Ok();
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      *out = std::to_string(o.via.f64);
      return Status::Ok();
    default:
      return WrongType(path, "a string, number or boolean", o);
  }
}

void PackUsage(Packer& pk, const Usage& u) {
  pk.pack_map(2);
  PackStr(pk, "input_tokens");
  pk.pack_int64(u.input_tokens);
  PackStr(pk, "output_tokens");
  pk.pack_int64(u.output_tokens);
}

void PackBool(Packer& pk, bool b) {
  if (b) {
    pk.pack_true();
  } else {
    pk.pack_false();
  }
}

void PackTruncation(Packer& pk, const Truncation& t) {
  pk.pack_map(4);
  PackStr(pk, "tokens_before");
  pk.pack_int64(t.tokens_before);
  PackStr(pk, "tokens_after");
  pk.pack_int64(t.tokens_after);
  PackStr(pk, "dropped_messages");
  pk.pack_int64(t.dropped_messages);
  PackStr(pk, "cut_chars");
  pk.pack_int64(t.cut_chars);
}

Status DecodeTruncation(const msgpack::object* o, const std::string& path, Truncation* t) {
  if (IsNil(o)) return Status::Ok();
  SY_RETURN_IF_ERROR(RequireMap(o, path));
  MapView m(*o);
  SY_RETURN_IF_ERROR(GetInt(m, "tokens_before", path + ".tokens_before", &t->tokens_before, false));
  SY_RETURN_IF_ERROR(GetInt(m, "tokens_after", path + ".tokens_after", &t->tokens_after, false));
  SY_RETURN_IF_ERROR(
      GetInt(m, "dropped_messages", path + ".dropped_messages", &t->dropped_messages, false));
  return GetInt(m, "cut_chars", path + ".cut_chars", &t->cut_chars, false);
}

void PackAttempts(Packer& pk, const std::vector<AttemptReport>& attempts) {
  pk.pack_array(static_cast<uint32_t>(attempts.size()));
  for (const AttemptReport& a : attempts) {
    pk.pack_map(10 + (a.truncated ? 1 : 0));
    PackStr(pk, "truncated");
    PackBool(pk, a.truncated);
    if (a.truncated) {
      PackStr(pk, "truncation");
      PackTruncation(pk, a.truncation);
    }
    PackStr(pk, "ttft_ms");
    pk.pack_int64(a.ttft_ms);
    PackStr(pk, "model");
    PackStr(pk, a.model);
    PackStr(pk, "timeout_ms");
    pk.pack_int64(a.timeout_ms);
    PackStr(pk, "outcome");
    PackStr(pk, a.outcome);
    PackStr(pk, "latency_ms");
    pk.pack_int64(a.latency_ms);
    PackStr(pk, "reason");
    PackStr(pk, a.reason);
    PackStr(pk, "http_status");
    pk.pack_int64(a.http_status);
    PackStr(pk, "usage");
    PackUsage(pk, a.usage);
    PackStr(pk, "cost_usd");
    pk.pack_double(a.cost_usd);
  }
}

Status DecodeUsage(const msgpack::object* o, const std::string& path, Usage* u) {
  if (IsNil(o)) return Status::Ok();
  SY_RETURN_IF_ERROR(RequireMap(o, path));
  MapView m(*o);
  SY_RETURN_IF_ERROR(GetInt(m, "input_tokens", path + ".input_tokens", &u->input_tokens, false));
  return GetInt(m, "output_tokens", path + ".output_tokens", &u->output_tokens, false);
}

Status DecodeAttempts(const msgpack::object* o, std::vector<AttemptReport>* out) {
  if (IsNil(o)) return Status::Ok();
  if (o->type != msgpack::type::ARRAY) return WrongType("attempts", "an array", *o);
  for (uint32_t i = 0; i < o->via.array.size; ++i) {
    const msgpack::object& e = o->via.array.ptr[i];
    std::string path = "attempts[" + std::to_string(i) + "]";
    SY_RETURN_IF_ERROR(RequireMap(&e, path));
    MapView m(e);
    AttemptReport a;
    SY_RETURN_IF_ERROR(GetString(m, "model", path + ".model", &a.model, true));
    SY_RETURN_IF_ERROR(GetString(m, "outcome", path + ".outcome", &a.outcome, true));
    SY_RETURN_IF_ERROR(GetInt(m, "latency_ms", path + ".latency_ms", &a.latency_ms, false));
    SY_RETURN_IF_ERROR(GetString(m, "reason", path + ".reason", &a.reason, false));
    SY_RETURN_IF_ERROR(GetInt(m, "http_status", path + ".http_status", &a.http_status, false));
    SY_RETURN_IF_ERROR(DecodeUsage(m.Find("usage"), path + ".usage", &a.usage));
    SY_RETURN_IF_ERROR(GetDouble(m, "cost_usd", path + ".cost_usd", &a.cost_usd));
    SY_RETURN_IF_ERROR(GetInt(m, "timeout_ms", path + ".timeout_ms", &a.timeout_ms, false));
    SY_RETURN_IF_ERROR(GetBool(m, "truncated", path + ".truncated", &a.truncated));
    SY_RETURN_IF_ERROR(DecodeTruncation(m.Find("truncation"), path + ".truncation", &a.truncation));
    SY_RETURN_IF_ERROR(GetInt(m, "ttft_ms", path + ".ttft_ms", &a.ttft_ms, false));
    out->push_back(std::move(a));
  }
  return Status::Ok();
}

// Writes [1, msgid, nil, <result>] around whatever `pack_result` packs.
template <typename Fn>
std::string Response(uint32_t msgid, Fn pack_result) {
  msgpack::sbuffer buf(256);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  pk.pack_nil();
  pack_result(pk);
  return std::string(buf.data(), buf.size());
}

void PackError(Packer& pk, const RpcError& e) {
  pk.pack_map(5);
  PackStr(pk, "request_id");
  pk.pack_int64(e.request_id);
  PackStr(pk, "code");
  PackStr(pk, e.code);
  PackStr(pk, "message");
  PackStr(pk, e.message);
  PackStr(pk, "http_status");
  pk.pack_int64(e.http_status);
  PackStr(pk, "attempts");
  PackAttempts(pk, e.attempts);
}

// A method name: a string, or binary (the old raw type, which older MessagePack-RPC clients
// still send) holding valid UTF-8.
Status Method(const msgpack::object& o, std::string_view* out) {
  if (o.type == msgpack::type::STR) {
    *out = AsView(o);
    return Status::Ok();
  }
  if (o.type == msgpack::type::BIN) {
    std::string_view v(o.via.bin.ptr, o.via.bin.size);
    if (!IsValidUtf8(v)) return Status::InvalidArgument("method: binary that is not UTF-8");
    *out = v;
    return Status::Ok();
  }
  return WrongType("method", "a string", o);
}

}  // namespace

Status ParseEnvelope(const msgpack::object& frame, Envelope* out) {
  if (frame.type != msgpack::type::ARRAY) return WrongType("frame", "an array", frame);
  const msgpack::object_array& a = frame.via.array;
  if (a.size < 3 || a.ptr[0].type != msgpack::type::POSITIVE_INTEGER || a.ptr[0].via.u64 > 2) {
    return Status::InvalidArgument("frame: not a MessagePack-RPC message (expected [type, ...])");
  }
  *out = Envelope();
  out->type = static_cast<FrameType>(a.ptr[0].via.u64);
  auto params = [&](const msgpack::object& p) -> Status {
    if (p.type != msgpack::type::ARRAY) return WrongType("params", "an array", p);
    out->arg = p.via.array.size > 0 ? &p.via.array.ptr[0] : nullptr;
    return Status::Ok();
  };
  switch (out->type) {
    case FrameType::kRequest:
    case FrameType::kResponse: {
      if (a.size != 4) return Status::InvalidArgument("frame: expected 4 elements");
      const msgpack::object& id = a.ptr[1];
      if (id.type != msgpack::type::POSITIVE_INTEGER || id.via.u64 > UINT32_MAX) {
        return Status::InvalidArgument("frame: msgid must be an unsigned 32-bit integer");
      }
      out->msgid = static_cast<uint32_t>(id.via.u64);
      if (out->type == FrameType::kResponse) {
        out->error = &a.ptr[2];
        out->result = &a.ptr[3];
        return Status::Ok();
      }
      SY_RETURN_IF_ERROR(Method(a.ptr[2], &out->method));
      return params(a.ptr[3]);
    }
    case FrameType::kNotification:
      if (a.size != 3) return Status::InvalidArgument("frame: expected 3 elements");
      SY_RETURN_IF_ERROR(Method(a.ptr[1], &out->method));
      return params(a.ptr[2]);
  }
  return Status::InvalidArgument("frame: unknown type");
}

std::string EncodeCompleteCall(uint32_t msgid, const CompleteRequest& req) {
  msgpack::sbuffer buf(256);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(0);
  pk.pack_uint32(msgid);
  PackStr(pk, "complete");
  pk.pack_array(1);
  uint32_t n = 6 + (req.temperature ? 1 : 0) + (req.deadline_ms > 0 ? 1 : 0) + (req.json ? 1 : 0) +
               (req.allow_length_stop ? 1 : 0);
  pk.pack_map(n);
  PackStr(pk, "route");
  PackStr(pk, req.route);
  PackStr(pk, "messages");
  pk.pack_array(static_cast<uint32_t>(req.messages.size()));
  for (const Message& m : req.messages) {
    pk.pack_map(2);
    PackStr(pk, "role");
    PackStr(pk, m.role);
    PackStr(pk, "content");
    PackStr(pk, m.content);
  }
  PackStr(pk, "max_tokens");
  pk.pack_int64(req.max_tokens);
  PackStr(pk, "task");
  PackStr(pk, req.task);
  PackStr(pk, "stream");
  PackBool(pk, req.stream);
  PackStr(pk, "metadata");
  pk.pack_map(static_cast<uint32_t>(req.metadata.size()));
  for (const auto& [k, v] : req.metadata) {
    PackStr(pk, k);
    PackStr(pk, v);
  }
  if (req.temperature) {
    PackStr(pk, "temperature");
    pk.pack_double(*req.temperature);
  }
  if (req.deadline_ms > 0) {
    PackStr(pk, "deadline_ms");
    pk.pack_int64(req.deadline_ms);
  }
  if (req.json) {
    PackStr(pk, "json");
    pk.pack_true();
  }
  if (req.allow_length_stop) {
    PackStr(pk, "allow_length_stop");
    pk.pack_true();
  }
  return std::string(buf.data(), buf.size());
}

std::string EncodeEmptyCall(uint32_t msgid, std::string_view method) {
  msgpack::sbuffer buf(32);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(0);
  pk.pack_uint32(msgid);
  PackStr(pk, method);
  pk.pack_array(0);
  return std::string(buf.data(), buf.size());
}

std::string EncodeCompleteResponse(uint32_t msgid, const CompleteResult& r) {
  return Response(msgid, [&](Packer& pk) {
    pk.pack_map(10 + (r.truncated ? 1 : 0));
    if (r.truncated) {
      PackStr(pk, "truncation");
      PackTruncation(pk, r.truncation);
    }
    PackStr(pk, "request_id");
    pk.pack_int64(r.request_id);
    PackStr(pk, "model");
    PackStr(pk, r.model);
    PackStr(pk, "content");
    PackStr(pk, r.content);
    PackStr(pk, "finish_reason");
    PackStr(pk, r.finish_reason);
    PackStr(pk, "usage");
    PackUsage(pk, r.usage);
    PackStr(pk, "latency_ms");
    pk.pack_int64(r.latency_ms);
    PackStr(pk, "cost_usd");
    pk.pack_double(r.cost_usd);
    PackStr(pk, "truncated");
    PackBool(pk, r.truncated);
    PackStr(pk, "attempts");
    PackAttempts(pk, r.attempts);
    PackStr(pk, "fallbacks");
    pk.pack_int64(r.attempts.empty() ? 0 : static_cast<int64_t>(r.attempts.size()) - 1);
  });
}

std::string EncodeStatusResponse(uint32_t msgid, const StatusResult& s) {
  return Response(msgid, [&](Packer& pk) {
    pk.pack_map(7);
    PackStr(pk, "routes");
    pk.pack_map(static_cast<uint32_t>(s.routes.size()));
    for (const RouteStatus& r : s.routes) {
      PackStr(pk, r.name);
      pk.pack_map(4);
      PackStr(pk, "budget_usd_per_day");
      pk.pack_double(r.budget_usd_per_day);
      PackStr(pk, "spent_today_usd");
      pk.pack_double(r.spent_today_usd);
      PackStr(pk, "over_budget");
      PackBool(pk, r.over_budget);
      PackStr(pk, "start_tier");
      PackStr(pk, r.start_tier);
    }
    PackStr(pk, "version");
    PackStr(pk, s.version);
    PackStr(pk, "uptime_ms");
    pk.pack_int64(s.uptime_ms);
    PackStr(pk, "requests_in_flight");
    pk.pack_int64(s.requests_in_flight);
    PackStr(pk, "connections");
    pk.pack_int64(s.connections);
    PackStr(pk, "models");
    pk.pack_map(static_cast<uint32_t>(s.models.size()));
    for (const ModelStatus& m : s.models) {
      PackStr(pk, m.name);
      pk.pack_map(9);
      PackStr(pk, "provider");
      PackStr(pk, m.provider);
      PackStr(pk, "breaker");
      PackStr(pk, m.breaker);
      PackStr(pk, "failure_rate");
      pk.pack_double(m.failure_rate);
      PackStr(pk, "slow_call_rate");
      pk.pack_double(m.slow_call_rate);
      PackStr(pk, "window_calls");
      pk.pack_int64(m.window_calls);
      PackStr(pk, "half_open_in_ms");
      pk.pack_int64(m.half_open_in_ms);
      PackStr(pk, "timeout_ms");
      pk.pack_int64(m.timeout_ms);
      PackStr(pk, "in_flight");
      pk.pack_int64(m.in_flight);
      PackStr(pk, "tasks");
      pk.pack_map(static_cast<uint32_t>(m.tasks.size()));
      for (const TaskStatus& t : m.tasks) {
        PackStr(pk, t.task);
        pk.pack_map(4);
        PackStr(pk, "samples");
        pk.pack_int64(t.samples);
        PackStr(pk, "p50_ms");
        pk.pack_double(t.p50_ms);
        PackStr(pk, "p95_ms");
        pk.pack_double(t.p95_ms);
        PackStr(pk, "timeout_ms");
        pk.pack_int64(t.timeout_ms);
      }
    }
    PackStr(pk, "history");
    pk.pack_map(5);
    PackStr(pk, "enabled");
    PackBool(pk, s.history.enabled);
    PackStr(pk, "queued_rows");
    pk.pack_int64(s.history.queued_rows);
    PackStr(pk, "written_rows");
    pk.pack_int64(s.history.written_rows);
    PackStr(pk, "dropped_rows");
    pk.pack_int64(s.history.dropped_rows);
    PackStr(pk, "write_errors");
    pk.pack_int64(s.history.write_errors);
  });
}

std::string EncodeChunkNotification(const StreamChunk& c) {
  msgpack::sbuffer buf(c.content.size() + 48);
  Packer pk(buf);
  pk.pack_array(3);
  pk.pack_uint8(2);
  PackStr(pk, "chunk");
  pk.pack_array(1);
  pk.pack_map(3);
  PackStr(pk, "msgid");
  pk.pack_uint32(c.msgid);
  PackStr(pk, "index");
  pk.pack_int64(c.index);
  PackStr(pk, "content");
  PackStr(pk, c.content);
  return std::string(buf.data(), buf.size());
}

Status DecodeChunk(const msgpack::object& obj, StreamChunk* out) {
  SY_RETURN_IF_ERROR(RequireMap(&obj, "chunk"));
  MapView m(obj);
  StreamChunk c;
  int64_t msgid = 0;
  SY_RETURN_IF_ERROR(GetInt(m, "msgid", "msgid", &msgid, true));
  if (msgid < 0 || msgid > UINT32_MAX) return Status::InvalidArgument("msgid: out of range");
  c.msgid = static_cast<uint32_t>(msgid);
  SY_RETURN_IF_ERROR(GetInt(m, "index", "index", &c.index, false));
  SY_RETURN_IF_ERROR(GetString(m, "content", "content", &c.content, true));
  *out = std::move(c);
  return Status::Ok();
}

std::string EncodePongResponse(uint32_t msgid) {
  return Response(msgid, [](Packer& pk) { PackStr(pk, "pong"); });
}

std::string EncodeErrorResponse(uint32_t msgid, const RpcError& error) {
  msgpack::sbuffer buf(128);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  PackError(pk, error);
  pk.pack_nil();
  return std::string(buf.data(), buf.size());
}

std::string EncodeProtocolError(const RpcError& error) {
  msgpack::sbuffer buf(128);
  Packer pk(buf);
  pk.pack_array(3);
  pk.pack_uint8(2);
  PackStr(pk, "protocol_error");
  pk.pack_array(1);
  PackError(pk, error);
  return std::string(buf.data(), buf.size());
}

Status DecodeCompleteRequest(const msgpack::object* arg, CompleteRequest* out) {
  SY_RETURN_IF_ERROR(RequireMap(arg, "params[0]"));
  MapView m(*arg);
  CompleteRequest req;
  SY_RETURN_IF_ERROR(GetString(m, "route", "route", &req.route, true));
  const msgpack::object* msgs = m.Find("messages");
  if (IsNil(msgs)) return Status::InvalidArgument("messages: is required");
  if (msgs->type != msgpack::type::ARRAY) return WrongType("messages", "an array", *msgs);
  if (msgs->via.array.size == 0) return Status::InvalidArgument("messages: must not be empty");
  req.messages.reserve(msgs->via.array.size);
  for (uint32_t i = 0; i < msgs->via.array.size; ++i) {
    std::string path = "messages[" + std::to_string(i) + "]";
    const msgpack::object& e = msgs->via.array.ptr[i];
    SY_RETURN_IF_ERROR(RequireMap(&e, path));
    MapView mm(e);
    Message msg;
    SY_RETURN_IF_ERROR(GetString(mm, "role", path + ".role", &msg.role, true));
    if (msg.role != "system" && msg.role != "user" && msg.role != "assistant") {
      return Status::InvalidArgument(path + ".role: must be system, user or assistant, got '" +
                                     Printable(msg.role) + "'");
    }
    SY_RETURN_IF_ERROR(GetString(mm, "content", path + ".content", &msg.content, true));
    req.messages.push_back(std::move(msg));
  }
  SY_RETURN_IF_ERROR(GetInt(m, "max_tokens", "max_tokens", &req.max_tokens, true));
  if (req.max_tokens <= 0) return Status::InvalidArgument("max_tokens: must be positive");
  if (!IsNil(m.Find("temperature"))) {
    double t = 0;
    SY_RETURN_IF_ERROR(GetDouble(m, "temperature", "temperature", &t));
    if (!(t >= 0 && t <= 2)) return Status::InvalidArgument("temperature: must be between 0 and 2");
    req.temperature = t;
  }
  SY_RETURN_IF_ERROR(GetString(m, "task", "task", &req.task, false));
  if (req.task.empty() || req.task.size() > 128) {
    return Status::InvalidArgument("task: must be 1 to 128 characters");
  }
  SY_RETURN_IF_ERROR(GetInt(m, "deadline_ms", "deadline_ms", &req.deadline_ms, false));
  if (req.deadline_ms < 0) return Status::InvalidArgument("deadline_ms: must not be negative");
  if (req.deadline_ms > kMaxDeadlineMs) {
    return Status::InvalidArgument("deadline_ms: at most " + std::to_string(kMaxDeadlineMs) +
                                   " (one hour), got " + std::to_string(req.deadline_ms));
  }
  SY_RETURN_IF_ERROR(GetBool(m, "stream", "stream", &req.stream));
  SY_RETURN_IF_ERROR(GetBool(m, "json", "json", &req.json));
  SY_RETURN_IF_ERROR(GetBool(m, "allow_length_stop", "allow_length_stop", &req.allow_length_stop));
  const msgpack::object* meta = m.Find("metadata");
  if (!IsNil(meta)) {
    SY_RETURN_IF_ERROR(RequireMap(meta, "metadata"));
    for (uint32_t i = 0; i < meta->via.map.size; ++i) {
      const msgpack::object_kv& kv = meta->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) return WrongType("metadata key", "a string", kv.key);
      if (!IsValidUtf8(AsView(kv.key))) {
        return Status::InvalidArgument("metadata key '" + Printable(AsView(kv.key)) +
                                       "': not valid UTF-8");
      }
      std::string key(AsView(kv.key));
      std::string value;
      SY_RETURN_IF_ERROR(ScalarToString(kv.val, "metadata." + key, &value));
      req.metadata.emplace_back(std::move(key), std::move(value));
    }
  }
  for (uint32_t i = 0; i < arg->via.map.size; ++i) {
    const msgpack::object& k = arg->via.map.ptr[i].key;
    if (k.type != msgpack::type::STR) return WrongType("params[0] key", "a string", k);
    std::string_view key = AsView(k);
    if (key != "route" && key != "messages" && key != "max_tokens" && key != "temperature" &&
        key != "task" && key != "deadline_ms" && key != "stream" && key != "metadata" &&
        key != "json" && key != "allow_length_stop") {
      return Status::InvalidArgument(Printable(key) + ": unknown parameter");
    }
  }
  *out = std::move(req);
  return Status::Ok();
}

Status DecodeCompleteResult(const msgpack::object& obj, CompleteResult* out) {
  SY_RETURN_IF_ERROR(RequireMap(&obj, "result"));
  MapView m(obj);
  CompleteResult r;
  SY_RETURN_IF_ERROR(GetInt(m, "request_id", "request_id", &r.request_id, false));
  SY_RETURN_IF_ERROR(GetString(m, "model", "model", &r.model, true));
  SY_RETURN_IF_ERROR(GetString(m, "content", "content", &r.content, true));
  SY_RETURN_IF_ERROR(GetString(m, "finish_reason", "finish_reason", &r.finish_reason, false));
  SY_RETURN_IF_ERROR(DecodeUsage(m.Find("usage"), "usage", &r.usage));
  SY_RETURN_IF_ERROR(GetInt(m, "latency_ms", "latency_ms", &r.latency_ms, false));
  SY_RETURN_IF_ERROR(GetDouble(m, "cost_usd", "cost_usd", &r.cost_usd));
  SY_RETURN_IF_ERROR(GetBool(m, "truncated", "truncated", &r.truncated));
  SY_RETURN_IF_ERROR(DecodeTruncation(m.Find("truncation"), "truncation", &r.truncation));
  SY_RETURN_IF_ERROR(DecodeAttempts(m.Find("attempts"), &r.attempts));
  *out = std::move(r);
  return Status::Ok();
}

Status DecodeStatusResult(const msgpack::object& obj, StatusResult* out) {
  SY_RETURN_IF_ERROR(RequireMap(&obj, "result"));
  MapView m(obj);
  StatusResult s;
  SY_RETURN_IF_ERROR(GetString(m, "version", "version", &s.version, false));
  SY_RETURN_IF_ERROR(GetInt(m, "uptime_ms", "uptime_ms", &s.uptime_ms, false));
  SY_RETURN_IF_ERROR(
      GetInt(m, "requests_in_flight", "requests_in_flight", &s.requests_in_flight, false));
  SY_RETURN_IF_ERROR(GetInt(m, "connections", "connections", &s.connections, false));
  const msgpack::object* models = m.Find("models");
  if (!IsNil(models)) {
    SY_RETURN_IF_ERROR(RequireMap(models, "models"));
    for (uint32_t i = 0; i < models->via.map.size; ++i) {
      const msgpack::object_kv& kv = models->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) return WrongType("models key", "a string", kv.key);
      ModelStatus ms;
      ms.name.assign(AsView(kv.key));
      std::string path = "models." + ms.name;
      SY_RETURN_IF_ERROR(RequireMap(&kv.val, path));
      MapView mm(kv.val);
      SY_RETURN_IF_ERROR(GetString(mm, "provider", path + ".provider", &ms.provider, false));
      SY_RETURN_IF_ERROR(GetString(mm, "breaker", path + ".breaker", &ms.breaker, false));
      SY_RETURN_IF_ERROR(GetDouble(mm, "failure_rate", path + ".failure_rate", &ms.failure_rate));
      SY_RETURN_IF_ERROR(
          GetDouble(mm, "slow_call_rate", path + ".slow_call_rate", &ms.slow_call_rate));
      SY_RETURN_IF_ERROR(
          GetInt(mm, "window_calls", path + ".window_calls", &ms.window_calls, false));
      SY_RETURN_IF_ERROR(
          GetInt(mm, "half_open_in_ms", path + ".half_open_in_ms", &ms.half_open_in_ms, false));
      SY_RETURN_IF_ERROR(GetInt(mm, "timeout_ms", path + ".timeout_ms", &ms.timeout_ms, false));
      SY_RETURN_IF_ERROR(GetInt(mm, "in_flight", path + ".in_flight", &ms.in_flight, false));
      const msgpack::object* tasks = mm.Find("tasks");
      if (!IsNil(tasks)) {
        SY_RETURN_IF_ERROR(RequireMap(tasks, path + ".tasks"));
        for (uint32_t j = 0; j < tasks->via.map.size; ++j) {
          const msgpack::object_kv& tkv = tasks->via.map.ptr[j];
          if (tkv.key.type != msgpack::type::STR)
            return WrongType(path + ".tasks key", "a string", tkv.key);
          TaskStatus ts;
          ts.task.assign(AsView(tkv.key));
          std::string tpath = path + ".tasks." + ts.task;
          SY_RETURN_IF_ERROR(RequireMap(&tkv.val, tpath));
          MapView tm(tkv.val);
          SY_RETURN_IF_ERROR(GetInt(tm, "samples", tpath + ".samples", &ts.samples, false));
          SY_RETURN_IF_ERROR(GetDouble(tm, "p50_ms", tpath + ".p50_ms", &ts.p50_ms));
          SY_RETURN_IF_ERROR(GetDouble(tm, "p95_ms", tpath + ".p95_ms", &ts.p95_ms));
          SY_RETURN_IF_ERROR(
              GetInt(tm, "timeout_ms", tpath + ".timeout_ms", &ts.timeout_ms, false));
          ms.tasks.push_back(std::move(ts));
        }
      }
      s.models.push_back(std::move(ms));
    }
  }
  const msgpack::object* routes = m.Find("routes");
  if (!IsNil(routes)) {
    SY_RETURN_IF_ERROR(RequireMap(routes, "routes"));
    for (uint32_t i = 0; i < routes->via.map.size; ++i) {
      const msgpack::object_kv& kv = routes->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) return WrongType("routes key", "a string", kv.key);
      RouteStatus rs;
      rs.name.assign(AsView(kv.key));
      std::string path = "routes." + rs.name;
      SY_RETURN_IF_ERROR(RequireMap(&kv.val, path));
      MapView rm(kv.val);
      SY_RETURN_IF_ERROR(GetDouble(rm, "budget_usd_per_day", path + ".budget_usd_per_day",
                                   &rs.budget_usd_per_day));
      SY_RETURN_IF_ERROR(
          GetDouble(rm, "spent_today_usd", path + ".spent_today_usd", &rs.spent_today_usd));
      SY_RETURN_IF_ERROR(GetBool(rm, "over_budget", path + ".over_budget", &rs.over_budget));
      SY_RETURN_IF_ERROR(GetString(rm, "start_tier", path + ".start_tier", &rs.start_tier, false));
      s.routes.push_back(std::move(rs));
    }
  }
  const msgpack::object* hist = m.Find("history");
  if (!IsNil(hist)) {
    SY_RETURN_IF_ERROR(RequireMap(hist, "history"));
    MapView hm(*hist);
    SY_RETURN_IF_ERROR(GetBool(hm, "enabled", "history.enabled", &s.history.enabled));
    SY_RETURN_IF_ERROR(
        GetInt(hm, "queued_rows", "history.queued_rows", &s.history.queued_rows, false));
    SY_RETURN_IF_ERROR(
        GetInt(hm, "written_rows", "history.written_rows", &s.history.written_rows, false));
    SY_RETURN_IF_ERROR(
        GetInt(hm, "dropped_rows", "history.dropped_rows", &s.history.dropped_rows, false));
    SY_RETURN_IF_ERROR(
        GetInt(hm, "write_errors", "history.write_errors", &s.history.write_errors, false));
  }
  *out = std::move(s);
  return Status::Ok();
}

Status DecodeError(const msgpack::object& obj, RpcError* out) {
  SY_RETURN_IF_ERROR(RequireMap(&obj, "error"));
  MapView m(obj);
  RpcError e;
  SY_RETURN_IF_ERROR(GetInt(m, "request_id", "request_id", &e.request_id, false));
  SY_RETURN_IF_ERROR(GetString(m, "code", "code", &e.code, true));
  SY_RETURN_IF_ERROR(GetString(m, "message", "message", &e.message, false));
  SY_RETURN_IF_ERROR(GetInt(m, "http_status", "http_status", &e.http_status, false));
  SY_RETURN_IF_ERROR(DecodeAttempts(m.Find("attempts"), &e.attempts));
  *out = std::move(e);
  return Status::Ok();
}

}  // namespace switchyard
