// The `complete` method: its request as the client packs it and the daemon reads it (with
// the checks beyond types), and its result.
#include "base/utf8.h"
#include "protocol/codec.h"
#include "protocol/message_fields.h"

namespace switchyard {

std::string EncodeCompleteCall(uint32_t msgid, const CompleteRequest& req) {
  size_t bytes = 128;
  for (const Message& m : req.messages) bytes += m.content.size() + 32;
  msgpack::sbuffer buf(bytes);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(0);
  pk.pack_uint32(msgid);
  PackStr(pk, "complete");
  pk.pack_array(1);
  PackMap(pk, req);
  return std::string(buf.data(), buf.size());
}

Status DecodeCompleteRequest(const msgpack::object* arg, CompleteRequest* out) {
  SY_RETURN_IF_ERROR(RequireMap(arg, "params[0]"));
  const FieldPath top("");
  MapReader reader(*arg, top);
  CompleteRequest req;
  SY_RETURN_IF_ERROR(Fields(reader, req));
  // A misspelt key is an error, not a setting silently ignored.
  SY_RETURN_IF_ERROR(reader.NoUnknownKeys("params[0] key"));
  SY_RETURN_IF_ERROR(CheckCompleteRequest(req));
  *out = std::move(req);
  return Status::Ok();
}

Status CheckCompleteRequest(const CompleteRequest& req) {
  if (req.messages.empty()) return Status::InvalidArgument("messages: must not be empty");
  for (size_t i = 0; i < req.messages.size(); ++i) {
    const std::string& role = req.messages[i].role;
    if (role != "system" && role != "user" && role != "assistant") {
      return Status::InvalidArgument("messages[" + std::to_string(i) +
                                     "].role: must be system, user or assistant, got '" +
                                     Printable(role) + "'");
    }
  }
  if (req.max_tokens <= 0) return Status::InvalidArgument("max_tokens: must be positive");
  if (req.temperature && !(*req.temperature >= 0 && *req.temperature <= 2)) {
    return Status::InvalidArgument("temperature: must be between 0 and 2");
  }
  if (req.task.empty() || req.task.size() > 128) {
    return Status::InvalidArgument("task: must be 1 to 128 characters");
  }
  if (req.deadline_ms < 0) return Status::InvalidArgument("deadline_ms: must not be negative");
  if (req.deadline_ms > kMaxDeadlineMs) {
    return Status::InvalidArgument("deadline_ms: at most " + std::to_string(kMaxDeadlineMs) +
                                   " (one hour), got " + std::to_string(req.deadline_ms));
  }
  return Status::Ok();
}

std::string EncodeCompleteResponse(uint32_t msgid, const CompleteResult& r) {
  msgpack::sbuffer buf(r.content.size() + 256 + 160 * r.attempts.size());
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  pk.pack_nil();
  PackMap(pk, r);
  return std::string(buf.data(), buf.size());
}

Status DecodeCompleteResult(const msgpack::object& obj, CompleteResult* out) {
  CompleteResult r;
  SY_RETURN_IF_ERROR(ReadMap(obj, "result", &r));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace switchyard
