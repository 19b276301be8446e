#include "answers.h"

#include <string>

#include "providers/json_writer.h"

namespace fake {

using switchyard::JsonWriter;

std::string AnswerBody(Api api, const AnswerSpec& a) {
  JsonWriter w(a.content.size() + 512);
  if (api == Api::kOpenAI) {
    w.BeginObject()
        .Key("id")
        .String("chatcmpl-fake" + std::to_string(a.serial))
        .Key("object")
        .String("chat.completion")
        .Key("created")
        .Int(1700000000)
        .Key("model")
        .String(a.model)
        .Key("choices")
        .BeginArray()
        .BeginObject()
        .Key("index")
        .Int(0)
        .Key("message")
        .BeginObject()
        .Key("role")
        .String("assistant")
        .Key("content")
        .String(a.content)
        .Key("refusal")
        .Raw("null")
        .Key("annotations")
        .BeginArray()
        .EndArray()
        .EndObject()
        .Key("logprobs")
        .Raw("null")
        .Key("finish_reason")
        .String(a.finish.empty() ? "stop" : a.finish)
        .EndObject()
        .EndArray()
        .Key("usage")
        .BeginObject()
        .Key("prompt_tokens")
        .Int(a.input_tokens)
        .Key("completion_tokens")
        .Int(a.output_tokens)
        .Key("total_tokens")
        .Int(a.input_tokens + a.output_tokens)
        .EndObject()
        .Key("service_tier")
        .String("default")
        .Key("system_fingerprint")
        .String("fp_fake")
        .EndObject();
    return w.Take();
  }
  std::string stop = "end_turn";
  if (a.finish == "length") stop = "max_tokens";
  if (a.finish == "content_filter") stop = "refusal";
  w.BeginObject()
      .Key("model")
      .String(a.model)
      .Key("id")
      .String("msg_fake" + std::to_string(a.serial))
      .Key("type")
      .String("message")
      .Key("role")
      .String("assistant")
      .Key("content")
      .BeginArray();
  if (!a.content.empty()) {
    w.BeginObject().Key("type").String("text").Key("text").String(a.content).EndObject();
  }
  w.EndArray()
      .Key("stop_reason")
      .String(stop)
      .Key("stop_sequence")
      .Raw("null")
      .Key("usage")
      .BeginObject()
      .Key("input_tokens")
      .Int(a.input_tokens)
      .Key("cache_creation_input_tokens")
      .Int(0)
      .Key("cache_read_input_tokens")
      .Int(0)
      .Key("output_tokens")
      .Int(a.output_tokens)
      .EndObject()
      .EndObject();
  return w.Take();
}

std::string ErrorBody(Api api, int status, std::string_view kind) {
  if (api == Api::kOpenAI) {
    std::string type = "server_error", code = "null",
                message =
                    "The server had an error while processing your request. Sorry about that!";
    if (kind == "context") {
      type = "invalid_request_error";
      code = "\"context_length_exceeded\"";
      message =
          "This model's maximum context length is 4097 tokens. However, your messages "
          "resulted in 4363 tokens. Please reduce the length of the messages.";
    } else if (kind == "auth" || status == 401) {
      type = "invalid_request_error";
      code = "\"invalid_api_key\"";
      message =
          "Incorrect API key provided: sk-fa*****************************cdef. You can find "
          "your API key at https://platform.openai.com/account/api-keys.";
    } else if (status == 429) {
      type = "tokens";
      code = "\"rate_limit_exceeded\"";
      message =
          "Rate limit reached for gpt-4o in organization org-fake on tokens per min (TPM): "
          "Limit 30000, Used 30000, Requested 500. Please try again in 1s.";
    } else if (status == 400) {
      type = "invalid_request_error";
      message = "Invalid value for 'temperature'.";
    }
    return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type +
           "\",\"param\":null,\"code\":" + code + "}}";
  }
  std::string type = "api_error", message = "Internal server error";
  if (kind == "context") {
    type = "invalid_request_error";
    message = "prompt is too long: 205351 tokens > 200000 maximum";
  } else if (kind == "auth" || status == 401) {
    type = "authentication_error";
    message = "invalid x-api-key";
  } else if (status == 429) {
    type = "rate_limit_error";
    message =
        "This request would exceed your organization's rate limit of 40,000 input tokens per "
        "minute.";
  } else if (status == 529 || status == 503) {
    type = "overloaded_error";
    message = "Overloaded";
  } else if (status == 400) {
    type = "invalid_request_error";
    message = "temperature: range: 0..1";
  }
  return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message +
         "\"},\"request_id\":\"req_fake\"}";
}

}  // namespace fake
