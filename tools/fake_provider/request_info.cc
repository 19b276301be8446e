#include "request_info.h"

namespace fake {
namespace {

std::string_view Str(simdjson::simdjson_result<simdjson::dom::element> r) {
  std::string_view v;
  return r.get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
}
std::string_view Str(simdjson::dom::element e) {
  std::string_view v;
  return e.get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
}

std::string Example(simdjson::dom::element s, int depth) {
  if (depth > 8 || !s.is_object()) return "null";
  simdjson::dom::array list;
  if (s["enum"].get_array().get(list) == simdjson::SUCCESS && list.size() > 0) {
    return simdjson::minify(list.at(0).value());
  }
  simdjson::dom::element c;
  if (s["const"].get(c) == simdjson::SUCCESS) return simdjson::minify(c);
  if (s["anyOf"].get_array().get(list) == simdjson::SUCCESS && list.size() > 0) {
    return Example(list.at(0).value(), depth + 1);
  }
  std::string_view type = Str(s["type"]);
  simdjson::dom::array types;
  if (type.empty() && s["type"].get_array().get(types) == simdjson::SUCCESS && types.size() > 0) {
    type = Str(types.at(0));
  }
  if (type == "string") return "\"fake\"";
  if (type == "integer" || type == "number") return "1";
  if (type == "boolean") return "true";
  if (type == "null") return "null";
  if (type == "array") {
    simdjson::dom::element items;
    if (s["items"].get(items) == simdjson::SUCCESS) return "[" + Example(items, depth + 1) + "]";
    return "[]";
  }
  std::string out = "{";
  simdjson::dom::object props;
  if (s["required"].get_array().get(list) == simdjson::SUCCESS &&
      s["properties"].get_object().get(props) == simdjson::SUCCESS) {
    for (simdjson::dom::element name : list) {
      std::string_view n = Str(name);
      simdjson::dom::element p;
      if (props[n].get(p) != simdjson::SUCCESS) continue;
      if (out.size() > 1) out += ",";
      out += "\"" + std::string(n) + "\":" + Example(p, depth + 1);
    }
  }
  return out + "}";
}

void ReadTools(Api api, simdjson::dom::element doc, RequestInfo* r) {
  simdjson::dom::array tools;
  if (doc["tools"].get_array().get(tools) == simdjson::SUCCESS) {
    for (simdjson::dom::element t : tools) {
      OfferedTool o;
      simdjson::dom::element schema;
      if (api != Api::kAnthropic) {
        o.name = Str(t["function"]["name"]);
        if (t["function"]["parameters"].get(schema) == simdjson::SUCCESS) {
          o.schema = simdjson::minify(schema);
        }
      } else {
        o.name = Str(t["name"]);
        if (t["input_schema"].get(schema) == simdjson::SUCCESS) o.schema = simdjson::minify(schema);
      }
      r->tools.push_back(std::move(o));
    }
  }
  simdjson::dom::element choice;
  if (doc["tool_choice"].get(choice) == simdjson::SUCCESS) {
    std::string_view mode = choice.is_string() ? Str(choice) : Str(choice["type"]);
    r->tools_off = mode == "none";
    if (api != Api::kAnthropic && mode == "function")
      r->forced_tool = Str(choice["function"]["name"]);
    if (api == Api::kAnthropic && mode == "tool") r->forced_tool = Str(choice["name"]);
  }
  simdjson::dom::element schema;
  if (doc["response_format"]["json_schema"]["schema"].get(schema) == simdjson::SUCCESS) {
    r->json_schema = simdjson::minify(schema);
  }
}

// A message's content: its text into `text`, its images and tool results counted.
void ReadContent(simdjson::dom::element content, std::string* text, int64_t* images,
                 std::string* results) {
  std::string_view sv;
  if (content.get_string().get(sv) == simdjson::SUCCESS) {
    text->assign(sv);
    return;
  }
  simdjson::dom::array parts;
  if (content.get_array().get(parts) != simdjson::SUCCESS) return;
  for (simdjson::dom::element p : parts) {
    std::string_view type = Str(p["type"]);
    if (type == "text") {
      text->assign(Str(p["text"]));
    } else if (type == "image" || type == "image_url") {
      ++*images;
    } else if (type == "tool_result") {
      simdjson::dom::element c;
      if (p["content"].get(c) == simdjson::SUCCESS) {
        std::string t;
        int64_t unused = 0;
        std::string none;
        ReadContent(c, &t, &unused, &none);
        results->append(results->empty() ? "" : "; ").append(t);
      }
    }
  }
}

}  // namespace

RequestInfo ReadRequest(Api api, simdjson::dom::element doc) {
  RequestInfo r;
  std::string_view sv;
  if (doc["model"].get_string().get(sv) == simdjson::SUCCESS) r.model.assign(sv);
  simdjson::dom::array msgs;
  if (doc["messages"].get_array().get(msgs) == simdjson::SUCCESS) {
    for (simdjson::dom::element m : msgs) {
      std::string_view role = Str(m["role"]);
      std::string text, results;
      int64_t images = 0;
      simdjson::dom::element content;
      if (m["content"].get(content) == simdjson::SUCCESS) {
        ReadContent(content, &text, &images, &results);
      }
      r.prompt_bytes += static_cast<int64_t>(text.size());
      if (role == "tool") {
        // OpenAI's results are messages of their own, one per call.
        if (!r.after_tool_result) r.tool_result.clear();
        r.tool_result.append(r.tool_result.empty() ? "" : "; ").append(text);
        r.after_tool_result = true;
        continue;
      }
      r.after_tool_result = !results.empty();
      r.tool_result = results;
      if (role == "user" && !text.empty()) r.last_user = text.substr(0, 60);
      if (role == "user") r.images = images;
    }
  }
  if (doc["system"].get_string().get(sv) == simdjson::SUCCESS) {
    r.prompt_bytes += static_cast<int64_t>(sv.size());
  }
  bool b = false;
  if (doc["stream"].get_bool().get(b) == simdjson::SUCCESS) r.stream = b;
  int64_t n = 0;
  if (doc["max_completion_tokens"].get_int64().get(n) == simdjson::SUCCESS ||
      doc["max_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
    r.max_tokens = n;
  }
  ReadTools(api, doc, &r);
  return r;
}

std::string ExampleFor(const std::string& schema) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (schema.empty() || parser.parse(schema).get(doc) != simdjson::SUCCESS) return "{}";
  return Example(doc, 0);
}

}  // namespace fake
