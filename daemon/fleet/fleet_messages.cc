#include "fleet/fleet_messages.h"

#include "base/json_writer.h"
#include "wire/json_read.h"

namespace switchyard {
namespace {

constexpr int64_t kVersion = 1;

using simdjson::dom::element;

Status Bad(const std::string& what) { return Status::InvalidArgument("fleet message: " + what); }

Status Str(const element& obj, const char* key, std::string* out) {
  std::string_view v;
  if (obj[key].get_string().get(v) != simdjson::SUCCESS) {
    return Bad(std::string("\"") + key + "\" is missing or not a string");
  }
  *out = std::string(v);
  return Status::Ok();
}

Status Int(const element& obj, const char* key, int64_t* out) {
  if (obj[key].get_int64().get(*out) != simdjson::SUCCESS) {
    return Bad(std::string("\"") + key + "\" is missing or not an integer");
  }
  return Status::Ok();
}

Status Parse(std::string_view json, element* doc) {
  if (ParseJson(json, json.size(), doc) != simdjson::SUCCESS || !doc->is_object()) {
    return Bad("not a JSON object");
  }
  int64_t v = 0;
  SY_RETURN_IF_ERROR(Int(*doc, "v", &v));
  if (v != kVersion) return Bad("version " + std::to_string(v) + ", this host reads 1");
  return Status::Ok();
}

void WriteBuckets(JsonWriter& w, const LatencyHistogram& h) {
  w.BeginArray();
  for (int b = 0; b < LatencyHistogram::kBuckets; ++b) {
    if (h.at(b) == 0) continue;
    w.BeginArray().Int(b).Int(h.at(b)).EndArray();
  }
  w.EndArray();
}

Status ReadBuckets(const element& obj, const char* key, LatencyHistogram* h) {
  simdjson::dom::array pairs;
  if (obj[key].get_array().get(pairs) != simdjson::SUCCESS) {
    return Bad(std::string("\"") + key + "\" is missing or not an array");
  }
  for (element pair : pairs) {
    simdjson::dom::array p;
    int64_t b = 0, n = 0;
    if (pair.get_array().get(p) != simdjson::SUCCESS || p.size() != 2 ||
        p.at(0).get_int64().get(b) != simdjson::SUCCESS ||
        p.at(1).get_int64().get(n) != simdjson::SUCCESS) {
      return Bad(std::string("\"") + key + "\" holds something other than [bucket, count]");
    }
    if (b < 0 || b >= LatencyHistogram::kBuckets || n < 0 || n > UINT32_MAX) {
      return Bad(std::string("\"") + key + "\" has bucket " + std::to_string(b) + " count " +
                 std::to_string(n) + " out of range");
    }
    h->Add(static_cast<int>(b), static_cast<uint32_t>(n));
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeBreakerEvent(const FleetBreakerEvent& e) {
  JsonWriter w(256);
  w.BeginObject();
  w.Key("v").Int(kVersion);
  w.Key("model").String(e.model);
  w.Key("state").String(e.open ? "open" : "closed");
  if (e.open) {
    w.Key("open_until_ms").Int(e.open_until_ms);
    w.Key("cooldown_ms").Int(e.cooldown_ms);
  }
  w.Key("host").String(e.host);
  w.Key("instance").String(e.instance);
  w.Key("reason").String(e.reason);
  w.Key("ts_ms").Int(e.ts_ms);
  w.EndObject();
  return w.Take();
}

Status DecodeBreakerEvent(std::string_view json, FleetBreakerEvent* out) {
  element doc;
  SY_RETURN_IF_ERROR(Parse(json, &doc));
  FleetBreakerEvent e;
  std::string state;
  SY_RETURN_IF_ERROR(Str(doc, "model", &e.model));
  SY_RETURN_IF_ERROR(Str(doc, "state", &state));
  if (state != "open" && state != "closed") return Bad("unknown state \"" + state + "\"");
  e.open = state == "open";
  if (e.open) {
    SY_RETURN_IF_ERROR(Int(doc, "open_until_ms", &e.open_until_ms));
    SY_RETURN_IF_ERROR(Int(doc, "cooldown_ms", &e.cooldown_ms));
  }
  SY_RETURN_IF_ERROR(Str(doc, "host", &e.host));
  SY_RETURN_IF_ERROR(Str(doc, "instance", &e.instance));
  SY_RETURN_IF_ERROR(Str(doc, "reason", &e.reason));
  SY_RETURN_IF_ERROR(Int(doc, "ts_ms", &e.ts_ms));
  *out = std::move(e);
  return Status::Ok();
}

std::string EncodeHostSummaries(const HostSummaries& h) {
  JsonWriter w(256 + 512 * h.summaries.size());
  w.BeginObject();
  w.Key("v").Int(kVersion);
  w.Key("host").String(h.host);
  w.Key("instance").String(h.instance);
  w.Key("ts_ms").Int(h.ts_ms);
  w.Key("summaries").BeginArray();
  for (const LatencySummary& s : h.summaries) {
    w.BeginObject();
    w.Key("kind").String(s.kind);
    w.Key("model").String(s.model);
    w.Key("task").String(s.task);
    w.Key("buckets");
    WriteBuckets(w, s.all);
    w.Key("censored");
    WriteBuckets(w, s.censored);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Status DecodeHostSummaries(std::string_view json, HostSummaries* out) {
  element doc;
  SY_RETURN_IF_ERROR(Parse(json, &doc));
  HostSummaries h;
  SY_RETURN_IF_ERROR(Str(doc, "host", &h.host));
  SY_RETURN_IF_ERROR(Str(doc, "instance", &h.instance));
  SY_RETURN_IF_ERROR(Int(doc, "ts_ms", &h.ts_ms));
  simdjson::dom::array list;
  if (doc["summaries"].get_array().get(list) != simdjson::SUCCESS) {
    return Bad("\"summaries\" is missing or not an array");
  }
  for (element item : list) {
    LatencySummary s;
    SY_RETURN_IF_ERROR(Str(item, "kind", &s.kind));
    if (s.kind != "answer" && s.kind != "first_token") {
      return Bad("unknown kind \"" + s.kind + "\"");
    }
    SY_RETURN_IF_ERROR(Str(item, "model", &s.model));
    SY_RETURN_IF_ERROR(Str(item, "task", &s.task));
    SY_RETURN_IF_ERROR(ReadBuckets(item, "buckets", &s.all));
    SY_RETURN_IF_ERROR(ReadBuckets(item, "censored", &s.censored));
    for (int b = 0; b < LatencyHistogram::kBuckets; ++b) {
      if (s.censored.at(b) > s.all.at(b)) {
        return Bad("more cut-off samples than samples in bucket " + std::to_string(b));
      }
    }
    h.summaries.push_back(std::move(s));
  }
  *out = std::move(h);
  return Status::Ok();
}

}  // namespace switchyard
