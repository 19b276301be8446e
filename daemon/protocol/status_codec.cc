// The `status` method's result.
#include "protocol/codec.h"
#include "protocol/message_fields.h"

namespace switchyard {

std::string EncodeStatusResponse(uint32_t msgid, const StatusResult& s) {
  msgpack::sbuffer buf(512 + 256 * s.models.size());
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  pk.pack_nil();
  PackMap(pk, s);
  return std::string(buf.data(), buf.size());
}

Status DecodeStatusResult(const msgpack::object& obj, StatusResult* out) {
  StatusResult s;
  SY_RETURN_IF_ERROR(ReadMap(obj, "result", &s));
  *out = std::move(s);
  return Status::Ok();
}

}  // namespace switchyard
