// What the fake reads of Gemini's and Bedrock's requests: their own shapes of turns, tools
// and schemas, read into the same RequestInfo as OpenAI's and Anthropic's.
#include "request_info.h"

namespace fake {
namespace {

std::string_view Str(simdjson::simdjson_result<simdjson::dom::element> r) {
  std::string_view v;
  return r.get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
}

// One turn's text, images and tool results, from its parts (Gemini) or blocks (Bedrock).
struct TurnFacts {
  std::string text;
  int64_t images = 0;
  std::string results;
};

TurnFacts GeminiParts(simdjson::dom::array parts) {
  TurnFacts t;
  for (simdjson::dom::element p : parts) {
    std::string_view text = Str(p["text"]);
    if (!text.empty()) t.text.assign(text);
    simdjson::dom::element e;
    if (p["inlineData"].get(e) == simdjson::SUCCESS || p["fileData"].get(e) == simdjson::SUCCESS) {
      ++t.images;
    }
    if (p["functionResponse"]["response"].get(e) == simdjson::SUCCESS) {
      std::string_view out = Str(e["output"]);
      if (out.empty()) out = Str(e["error"]);
      t.results.append(t.results.empty() ? "" : "; ").append(out);
    }
  }
  return t;
}

TurnFacts BedrockBlocks(simdjson::dom::array blocks) {
  TurnFacts t;
  for (simdjson::dom::element b : blocks) {
    std::string_view text = Str(b["text"]);
    if (!text.empty()) t.text.assign(text);
    simdjson::dom::element e;
    if (b["image"].get(e) == simdjson::SUCCESS) ++t.images;
    simdjson::dom::array content;
    if (b["toolResult"]["content"].get_array().get(content) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : content) {
        t.results.append(t.results.empty() ? "" : "; ").append(Str(c["text"]));
      }
    }
  }
  return t;
}

void AddTurn(const TurnFacts& t, bool user, RequestInfo* r) {
  r->prompt_bytes += static_cast<int64_t>(t.text.size());
  r->after_tool_result = !t.results.empty();
  r->tool_result = t.results;
  if (user && !t.text.empty()) r->last_user = t.text.substr(0, 60);
  if (user) r->images = t.images;
}

}  // namespace

RequestInfo ReadGeminiRequest(simdjson::dom::element doc) {
  RequestInfo r;
  simdjson::dom::array list;
  if (doc["contents"].get_array().get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element c : list) {
      simdjson::dom::array parts;
      if (c["parts"].get_array().get(parts) != simdjson::SUCCESS) continue;
      AddTurn(GeminiParts(parts), Str(c["role"]) != "model", &r);
    }
  }
  if (doc["systemInstruction"]["parts"].get_array().get(list) == simdjson::SUCCESS) {
    r.prompt_bytes += static_cast<int64_t>(GeminiParts(list).text.size());
  }
  if (doc["tools"].get_array().get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element t : list) {
      simdjson::dom::array decls;
      if (t["functionDeclarations"].get_array().get(decls) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element d : decls) {
        OfferedTool o;
        o.name = Str(d["name"]);
        simdjson::dom::element schema;
        if (d["parameters"].get(schema) == simdjson::SUCCESS) o.schema = simdjson::minify(schema);
        r.tools.push_back(std::move(o));
      }
    }
  }
  std::string_view mode = Str(doc["toolConfig"]["functionCallingConfig"]["mode"]);
  r.tools_off = mode == "NONE";
  if (doc["toolConfig"]["functionCallingConfig"]["allowedFunctionNames"].get_array().get(list) ==
          simdjson::SUCCESS &&
      list.size() == 1) {
    r.forced_tool = Str(list.at(0));
  }
  simdjson::dom::element config, schema;
  if (doc["generationConfig"].get(config) == simdjson::SUCCESS) {
    int64_t n = 0;
    if (config["maxOutputTokens"].get_int64().get(n) == simdjson::SUCCESS) r.max_tokens = n;
    if (config["responseSchema"].get(schema) == simdjson::SUCCESS) {
      r.json_schema = simdjson::minify(schema);
    }
  }
  return r;
}

RequestInfo ReadBedrockRequest(simdjson::dom::element doc) {
  RequestInfo r;
  simdjson::dom::array list;
  if (doc["messages"].get_array().get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element m : list) {
      simdjson::dom::array blocks;
      if (m["content"].get_array().get(blocks) != simdjson::SUCCESS) continue;
      AddTurn(BedrockBlocks(blocks), Str(m["role"]) == "user", &r);
    }
  }
  if (doc["system"].get_array().get(list) == simdjson::SUCCESS) {
    r.prompt_bytes += static_cast<int64_t>(BedrockBlocks(list).text.size());
  }
  if (doc["toolConfig"]["tools"].get_array().get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element t : list) {
      OfferedTool o;
      o.name = Str(t["toolSpec"]["name"]);
      simdjson::dom::element schema;
      if (t["toolSpec"]["inputSchema"]["json"].get(schema) == simdjson::SUCCESS) {
        o.schema = simdjson::minify(schema);
      }
      r.tools.push_back(std::move(o));
    }
  }
  r.forced_tool = Str(doc["toolConfig"]["toolChoice"]["tool"]["name"]);
  int64_t n = 0;
  if (doc["inferenceConfig"]["maxTokens"].get_int64().get(n) == simdjson::SUCCESS) {
    r.max_tokens = n;
  }
  return r;
}

}  // namespace fake
