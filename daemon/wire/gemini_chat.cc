#include "wire/gemini_chat.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "base/json_writer.h"
#include "chat/data_url.h"
#include "wire/body_size.h"
#include "wire/error_body.h"
#include "wire/json_read.h"

namespace switchyard {
namespace {

// Gemini 3 asks for the thought signature it gave with a call when the call is sent back; a
// call from elsewhere (another provider, or the client) has none, and this value is the one
// Google documents for such calls.
constexpr std::string_view kNoThoughtSignature = "skip_thought_signature_validator";

// The Schema object's fields (Gemini API reference, "Schema").
bool SchemaKeyword(std::string_view k) {
  static const char* const kKeys[] = {
      "type",      "format",    "title",    "description",   "nullable",
      "enum",      "maxItems",  "minItems", "minProperties", "maxProperties",
      "minLength", "maxLength", "pattern",  "example",       "propertyOrdering",
      "default",   "minimum",   "maximum",  "required"};
  for (const char* key : kKeys) {
    if (k == key) return true;
  }
  return false;
}

void WriteSchema(JsonWriter& w, simdjson::dom::element e) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    w.Raw(simdjson::minify(e));
    return;
  }
  w.BeginObject();
  for (auto [key, value] : obj) {
    if (key == "properties") {
      simdjson::dom::object props;
      if (value.get_object().get(props) != simdjson::SUCCESS) continue;
      w.Key("properties").BeginObject();
      for (auto [name, sub] : props) {
        w.Key(name);
        WriteSchema(w, sub);
      }
      w.EndObject();
    } else if (key == "items") {
      w.Key("items");
      WriteSchema(w, value);
    } else if (key == "anyOf") {
      simdjson::dom::array subs;
      if (value.get_array().get(subs) != simdjson::SUCCESS) continue;
      w.Key("anyOf").BeginArray();
      for (simdjson::dom::element sub : subs) WriteSchema(w, sub);
      w.EndArray();
    } else if (key == "type" && value.is_array()) {
      // ["string", "null"]: Gemini's types are single, with nullable beside.
      std::string_view type;
      bool nullable = false;
      for (simdjson::dom::element t : value.get_array()) {
        std::string_view sv;
        if (t.get_string().get(sv) != simdjson::SUCCESS) continue;
        if (sv == "null") {
          nullable = true;
        } else if (type.empty()) {
          type = sv;
        }
      }
      if (!type.empty()) w.Key("type").String(type);
      if (nullable) w.Key("nullable").Bool(true);
    } else if (SchemaKeyword(key)) {
      w.Key(key).Raw(simdjson::minify(value));
    }
  }
  w.EndObject();
}

// A tool result goes as a functionResponse, whose `response` must be an object: the result's
// text as "output" (or "error" when it reports the call's failure), as Google's examples do.
std::string ResultObject(const Message& m) {
  JsonWriter w;
  w.BeginObject().Key(m.is_error ? "error" : "output").String(TextOf(m)).EndObject();
  return w.Take();
}

struct Turn {
  std::string role;  // "user" or "model"
  std::vector<std::string> parts;
};

std::string TextPart(std::string_view text) {
  JsonWriter w(text.size() + 16);
  w.BeginObject().Key("text").String(text).EndObject();
  return w.Take();
}

std::string ImagePart(const ContentPart& p) {
  JsonWriter w(p.image_url.size() + 64);
  DataUrl data;
  w.BeginObject();
  if (ParseDataUrl(p.image_url, &data)) {
    w.Key("inlineData").BeginObject().Key("mimeType").String(data.media_type);
    w.Key("data").String(data.data).EndObject();
  } else {
    // A URL Gemini fetches itself; its type is not known here, and Gemini reads it anyway.
    w.Key("fileData").BeginObject().Key("mimeType").String("image/jpeg");
    w.Key("fileUri").String(p.image_url).EndObject();
  }
  w.EndObject();
  return w.Take();
}

std::string CallPart(const ToolCall& c, bool first) {
  JsonWriter w(c.arguments.size() + 96);
  w.BeginObject().Key("functionCall").BeginObject().Key("name").String(c.name);
  w.Key("args").Raw(c.arguments.empty() ? "{}" : c.arguments);
  if (!c.id.empty()) w.Key("id").String(c.id);
  w.EndObject();
  if (first) w.Key("thoughtSignature").String(kNoThoughtSignature);
  w.EndObject();
  return w.Take();
}

std::vector<Turn> TurnsOf(const std::vector<Message>& messages) {
  std::map<std::string, std::string> names;  // call id -> function name
  std::vector<Turn> turns;
  for (const Message& m : messages) {
    if (m.role == "system") continue;
    Turn t;
    t.role = m.role == "assistant" ? "model" : "user";
    if (m.role == "tool") {
      auto it = names.find(m.tool_call_id);
      JsonWriter w;
      w.BeginObject().Key("functionResponse").BeginObject();
      w.Key("name").String(it == names.end() ? "tool" : it->second);
      if (!m.tool_call_id.empty()) w.Key("id").String(m.tool_call_id);
      w.Key("response").Raw(ResultObject(m)).EndObject().EndObject();
      t.parts.push_back(w.Take());
    } else if (!m.parts.empty()) {
      for (const ContentPart& p : m.parts) {
        t.parts.push_back(p.kind == ContentPart::Kind::kImage ? ImagePart(p) : TextPart(p.text));
      }
    } else if (!m.content.empty() || m.tool_calls.empty()) {
      t.parts.push_back(TextPart(m.content));
    }
    for (size_t i = 0; i < m.tool_calls.size(); ++i) {
      names[m.tool_calls[i].id] = m.tool_calls[i].name;
      t.parts.push_back(CallPart(m.tool_calls[i], i == 0));
    }
    // Gemini wants turns to alternate: a run of one role (tool results answering parallel
    // calls, then the user's text) goes as one turn.
    if (!turns.empty() && turns.back().role == t.role) {
      for (std::string& p : t.parts) turns.back().parts.push_back(std::move(p));
    } else {
      turns.push_back(std::move(t));
    }
  }
  return turns;
}

void WriteTools(JsonWriter& w, const CompleteRequest& req) {
  if (req.tools.empty()) return;
  w.Key("tools").BeginArray().BeginObject().Key("functionDeclarations").BeginArray();
  for (const Tool& t : req.tools) {
    w.BeginObject().Key("name").String(t.name);
    if (!t.description.empty()) w.Key("description").String(t.description);
    if (!t.parameters.empty()) w.Key("parameters").Raw(GeminiSchema(t.parameters));
    w.EndObject();
  }
  w.EndArray().EndObject().EndArray();
  const ToolChoice& c = req.tool_choice;
  if (c.mode.empty()) return;
  std::string mode = c.mode == "none" ? "NONE" : c.mode == "auto" ? "AUTO" : "ANY";
  w.Key("toolConfig").BeginObject().Key("functionCallingConfig").BeginObject();
  w.Key("mode").String(mode);
  if (c.mode == "function") w.Key("allowedFunctionNames").BeginArray().String(c.name).EndArray();
  w.EndObject().EndObject();
}

}  // namespace

std::string GeminiSchema(std::string_view json_schema) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json_schema.data(), json_schema.size()).get(doc) != simdjson::SUCCESS) {
    return std::string(json_schema);  // checked when the request was taken; never here
  }
  JsonWriter w(json_schema.size());
  WriteSchema(w, doc);
  return w.Take();
}

std::string EncodeGeminiRequest(const CompleteRequest& req, const std::vector<Message>& messages,
                                int64_t max_tokens) {
  std::string system = SystemText(messages);
  JsonWriter w(BodySizeHint(req, messages));
  w.BeginObject();
  if (!system.empty()) {
    w.Key("systemInstruction").BeginObject().Key("parts").BeginArray().Raw(TextPart(system));
    w.EndArray().EndObject();
  }
  w.Key("contents").BeginArray();
  for (const Turn& t : TurnsOf(messages)) {
    w.BeginObject().Key("role").String(t.role).Key("parts").BeginArray();
    for (const std::string& p : t.parts) w.Raw(p);
    w.EndArray().EndObject();
  }
  w.EndArray();
  WriteTools(w, req);
  w.Key("generationConfig").BeginObject().Key("maxOutputTokens").Int(max_tokens);
  if (req.temperature) w.Key("temperature").Double(*req.temperature);
  if (req.top_p) w.Key("topP").Double(*req.top_p);
  if (req.top_k) w.Key("topK").Int(*req.top_k);
  if (req.seed) w.Key("seed").Int(*req.seed);
  if (!req.stop.empty()) {
    w.Key("stopSequences").BeginArray();
    for (const std::string& s : req.stop) w.String(s);
    w.EndArray();
  }
  if (req.json || !req.json_schema.schema.empty()) {
    w.Key("responseMimeType").String("application/json");
  }
  if (!req.json_schema.schema.empty()) {
    w.Key("responseSchema").Raw(GeminiSchema(req.json_schema.schema));
  }
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string GeminiFinishReason(std::string_view f) {
  if (f == "STOP") return "stop";
  if (f == "MAX_TOKENS") return "length";
  static const char* const kFiltered[] = {
      "SAFETY", "RECITATION",   "BLOCKLIST", "PROHIBITED_CONTENT",
      "SPII",   "IMAGE_SAFETY", "LANGUAGE"};
  for (const char* k : kFiltered) {
    if (f == k) return "content_filter";
  }
  std::string out(f);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool ReadGeminiChunk(simdjson::dom::element doc, GeminiChunk* out) {
  simdjson::dom::element err;
  if (doc["error"].get(err) == simdjson::SUCCESS && err.is_object()) {
    int64_t code = 0;
    if (err["code"].get_int64().get(code) != simdjson::SUCCESS) code = 500;
    ParsedResponse p = ClassifyHttpError(code, ReadErrorBody(doc));
    out->failure = p.outcome;
    out->reason = "stream error: " + p.reason;
    return false;
  }
  std::string_view response_id = StringOr(doc["responseId"]);
  simdjson::dom::array candidates;
  bool any =
      doc["candidates"].get_array().get(candidates) == simdjson::SUCCESS && candidates.size() > 0;
  if (!any) {
    std::string_view blocked = StringOr(doc["promptFeedback"]["blockReason"]);
    if (!blocked.empty()) {
      out->failure = Outcome::kContentFilter;
      out->reason = "the prompt was blocked (" + std::string(blocked) + ")";
      return false;
    }
  } else {
    simdjson::dom::element c = candidates.at(0);
    simdjson::dom::array parts;
    if (c["content"]["parts"].get_array().get(parts) == simdjson::SUCCESS) {
      for (simdjson::dom::element part : parts) {
        bool thought = false;
        if (part["thought"].get_bool().get(thought) == simdjson::SUCCESS && thought) continue;
        std::string_view text;
        if (part["text"].get_string().get(text) == simdjson::SUCCESS) {
          out->text.append(text);
          continue;
        }
        simdjson::dom::object call;
        if (part["functionCall"].get_object().get(call) != simdjson::SUCCESS) continue;
        ToolCall tc;
        tc.name.assign(StringOr(call["name"]));
        tc.id.assign(StringOr(call["id"]));
        if (tc.id.empty()) {
          tc.id = "call_" + (response_id.empty() ? "" : std::string(response_id) + "_") +
                  std::to_string(out->calls_before + out->calls.size());
        }
        simdjson::dom::element args;
        tc.arguments = call["args"].get(args) == simdjson::SUCCESS ? simdjson::minify(args) : "{}";
        out->calls.push_back(std::move(tc));
      }
    }
    std::string_view finish = StringOr(c["finishReason"]);
    if (finish == "MALFORMED_FUNCTION_CALL" || finish == "UNEXPECTED_TOOL_CALL") {
      out->failure = Outcome::kInvalidToolCall;
      out->reason = "Gemini stopped: " + std::string(finish) + " " +
                    std::string(StringOr(c["finishMessage"]));
      return false;
    }
    out->finish_reason.assign(finish);
  }
  simdjson::dom::object usage;
  if (doc["usageMetadata"].get_object().get(usage) == simdjson::SUCCESS) {
    int64_t n = 0;
    out->has_usage = true;
    if (usage["promptTokenCount"].get_int64().get(n) == simdjson::SUCCESS) out->input_tokens = n;
    out->output_tokens = 0;
    // Thinking is billed as output.
    for (const char* k : {"candidatesTokenCount", "thoughtsTokenCount"}) {
      if (usage[k].get_int64().get(n) == simdjson::SUCCESS) out->output_tokens += n;
    }
  }
  return true;
}

void ApplyGeminiChunk(const GeminiChunk& chunk, Answer* a) {
  a->content += chunk.text;
  for (const ToolCall& c : chunk.calls) a->tool_calls.push_back(c);
  if (!chunk.finish_reason.empty()) {
    a->finish_reason = GeminiFinishReason(chunk.finish_reason);
    // A turn that calls functions ends with STOP; the protocol says why it stopped.
    if (!a->tool_calls.empty() && a->finish_reason == "stop") a->finish_reason = "tool_calls";
  }
  if (chunk.has_usage) {
    a->usage.input_tokens = chunk.input_tokens;
    a->usage.output_tokens = chunk.output_tokens;
  }
}

ParsedResponse DecodeGeminiResponse(const HttpReply& reply) {
  ParsedResponse r;
  simdjson::dom::element doc;
  if (!ReadAnswerBody(reply, &doc, &r)) return r;
  if (!doc.is_object()) return Bad(&r, "answer is not a GenerateContentResponse object");
  GeminiChunk chunk;
  if (!ReadGeminiChunk(doc, &chunk)) {
    r.outcome = chunk.failure;
    r.reason = ReasonText(std::move(chunk.reason));
    return r;
  }
  if (chunk.finish_reason.empty() && chunk.text.empty() && chunk.calls.empty()) {
    return Bad(&r, "answer has no candidates");
  }
  ApplyGeminiChunk(chunk, &r.answer);
  return r;
}

}  // namespace switchyard
