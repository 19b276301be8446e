// MessagePack-RPC framing: request, response and notification arrays around the messages,
// and the small messages every connection may see (errors, chunks, ping's answer).
#include "base/utf8.h"
#include "protocol/codec.h"
#include "protocol/message_fields.h"

namespace switchyard {
namespace {

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

std::string EncodePongResponse(uint32_t msgid) {
  msgpack::sbuffer buf(32);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  pk.pack_nil();
  PackStr(pk, "pong");
  return std::string(buf.data(), buf.size());
}

std::string EncodeErrorResponse(uint32_t msgid, const RpcError& error) {
  msgpack::sbuffer buf(128);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  PackMap(pk, error);
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
  PackMap(pk, error);
  return std::string(buf.data(), buf.size());
}

Status DecodeError(const msgpack::object& obj, RpcError* out) {
  RpcError e;
  SY_RETURN_IF_ERROR(ReadMap(obj, "error", &e));
  *out = std::move(e);
  return Status::Ok();
}

std::string EncodeChunkNotification(const StreamChunk& c) {
  msgpack::sbuffer buf(c.content.size() + 48);
  Packer pk(buf);
  pk.pack_array(3);
  pk.pack_uint8(2);
  PackStr(pk, "chunk");
  pk.pack_array(1);
  PackMap(pk, c);
  return std::string(buf.data(), buf.size());
}

Status DecodeChunk(const msgpack::object& obj, StreamChunk* out) {
  StreamChunk c;
  SY_RETURN_IF_ERROR(ReadMap(obj, "chunk", &c));
  *out = std::move(c);
  return Status::Ok();
}

}  // namespace switchyard
