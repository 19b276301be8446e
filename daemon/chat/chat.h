// The one chat model: what a client asks of a model and what a model answers, whatever wire
// format either side speaks. Plain data; the translators in wire/ read and write it, the
// router walks it down the tiers, and nothing here knows a wire format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard {

// A piece of a message's content that is not plain text: an image, by URL ("data:" URLs
// carry the bytes themselves, base64; http(s) URLs are fetched by the provider).
struct ContentPart {
  enum class Kind { kText, kImage };
  Kind kind = Kind::kText;
  std::string text;       // kText
  std::string image_url;  // kImage: a data: or http(s) URL
  std::string detail;     // kImage: OpenAI's "auto", "low", "high"; empty when not given
  // Anthropic's prompt-cache breakpoint on this block, as JSON text ({"type": "ephemeral"});
  // empty when none. Sent to Anthropic tiers only (others cache on their own).
  std::string cache_control{};
};

// A function the model asked to call. `arguments` is JSON text as the model wrote it
// (OpenAI's wire carries it as a string); `id` is the client's, whatever a provider needs.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
  std::string cache_control{};  // as ContentPart's
};

// A piece of a streamed tool call: the first piece of call `index` names its id and
// function; later ones add to its arguments.
struct ToolCallDelta {
  int64_t index = 0;
  std::string id;
  std::string name;
  std::string arguments;
};

struct Message {
  Message() = default;
  // A message of plain text, the usual kind: {"user", "Hello"}.
  Message(std::string r, std::string text) : role(std::move(r)), content(std::move(text)) {}

  std::string role;  // "system", "user", "assistant" or "tool"
  // The text. When the client sent parts holding more than text, `parts` holds them all in
  // order and `content` is empty.
  std::string content;
  std::vector<ContentPart> parts;
  std::vector<ToolCall> tool_calls;  // assistant: the calls it made (with or without text)
  std::string tool_call_id;          // tool: the call this result answers
  bool is_error = false;             // tool: the result reports the call's failure
  std::string cache_control{};       // tool: on the result's block, as ContentPart's
};

// A function offered to the model. `parameters` is a JSON Schema as JSON text ("" when the
// function takes none).
struct Tool {
  std::string name;
  std::string description;
  std::string parameters;
  bool strict = false;
  std::string cache_control{};  // as ContentPart's
};

// Whether and which tool the model must call. `mode` is "" (not said: the provider's
// default), "auto", "none", "required", or "function" (the one named `name`).
struct ToolChoice {
  std::string mode;
  std::string name;
};

// A JSON Schema the answer must follow (OpenAI's response_format json_schema). `schema` is
// JSON text; an empty one means no schema was asked for.
struct JsonSchemaFormat {
  std::string name;
  std::string schema;
  bool strict = false;
};

// Whether any message of `messages` holds an image, or any tool call or result.
bool HasImages(const std::vector<Message>& messages);
bool HasToolTurns(const std::vector<Message>& messages);
// The text of a message: `content`, or its text parts joined by "\n".
std::string TextOf(const Message& m);
// The system messages' text, joined by blank lines: for APIs whose system text is apart.
std::string SystemText(const std::vector<Message>& messages);
// The tool of `tools` named `name`, or nullptr.
const Tool* FindTool(const std::vector<Tool>& tools, std::string_view name);
// The functions the history called, each once, in order of first call; with `not_in`, only
// those not in it (APIs that refuse a call to an undeclared tool need them declared).
std::vector<std::string_view> CalledFunctions(const std::vector<Message>& messages,
                                              const std::vector<Tool>* not_in = nullptr);

}  // namespace switchyard
