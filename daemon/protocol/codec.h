// MessagePack-RPC framing and the encoding of switchyard's methods (schema/protocol.md):
// request [0, msgid, method, [arg]], response [1, msgid, error, result],
// notification [2, method, [arg]]. Decoders never throw; a wrong shape is a Status whose
// message names the field ("messages[2].content: expected a string"). Each message's keys
// are listed once, in protocol/message_fields.h, and packed and read from that one list;
// envelope.cc frames them, complete_codec.cc and status_codec.cc are the two methods.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "protocol/messages.h"

namespace switchyard {

enum class FrameType { kRequest = 0, kResponse = 1, kNotification = 2 };

// A decoded frame. The pointers refer into the frame's object_handle, which must outlive it.
struct Envelope {
  FrameType type = FrameType::kRequest;
  uint32_t msgid = 0;
  std::string_view method;                  // request, notification
  const msgpack::object* arg = nullptr;     // request, notification: params[0], or null
  const msgpack::object* error = nullptr;   // response: nil when it succeeded
  const msgpack::object* result = nullptr;  // response
};

Status ParseEnvelope(const msgpack::object& frame, Envelope* out);

// Whole frames, ready to write to a socket.
std::string EncodeCompleteCall(uint32_t msgid, const CompleteRequest& req);
std::string EncodeEmptyCall(uint32_t msgid, std::string_view method);  // status, ping
std::string EncodeCompleteResponse(uint32_t msgid, const CompleteResult& result);
std::string EncodeStatusResponse(uint32_t msgid, const StatusResult& status);
std::string EncodePongResponse(uint32_t msgid);
// [2, "chunk", [{msgid, index, content}]]: a piece of a streamed answer.
std::string EncodeChunkNotification(const StreamChunk& chunk);
Status DecodeChunk(const msgpack::object& params0, StreamChunk* out);
std::string EncodeErrorResponse(uint32_t msgid, const RpcError& error);
// Sent before closing a connection whose stream cannot be decoded (no msgid is known).
std::string EncodeProtocolError(const RpcError& error);

Status DecodeCompleteRequest(const msgpack::object* arg, CompleteRequest* out);
// What every `complete` must satisfy, however it came (MessagePack or the HTTP front door):
// messages, roles, max_tokens, temperature, task and deadline in range.
Status CheckCompleteRequest(const CompleteRequest& req);
Status DecodeCompleteResult(const msgpack::object& obj, CompleteResult* out);
Status DecodeStatusResult(const msgpack::object& obj, StatusResult* out);
Status DecodeError(const msgpack::object& obj, RpcError* out);

}  // namespace switchyard
