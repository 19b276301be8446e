#include "config/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>

#include "config/config_file.h"
#include "config/redis_address.h"
#include "config/table_reader.h"

namespace switchyard {
namespace {

Status ParseDaemon(const std::string& src, const toml::table* t, DaemonConfig* d) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, "daemon");
  SY_RETURN_IF_ERROR(r.String("socket", &d->socket));
  SY_RETURN_IF_ERROR(r.String("history", &d->history));
  SY_RETURN_IF_ERROR(r.String("log_level", &d->log_level));
  if (d->log_level != "trace" && d->log_level != "debug" && d->log_level != "info" &&
      d->log_level != "warn" && d->log_level != "error") {
    return r.Error(r.Get("log_level"), "log_level",
                   "must be one of trace, debug, info, warn, error");
  }
  SY_RETURN_IF_ERROR(r.Int("max_frame_bytes", &d->max_frame_bytes, 1024, int64_t{1} << 30));
  SY_RETURN_IF_ERROR(
      r.Int("max_pending_write_bytes", &d->max_pending_write_bytes, 65536, int64_t{1} << 32));
  SY_RETURN_IF_ERROR(r.Int("socket_mode", &d->socket_mode, 0, 0777));
  SY_RETURN_IF_ERROR(r.IntList("allow_uids", &d->allow_uids));
  SY_RETURN_IF_ERROR(r.IntList("allow_gids", &d->allow_gids));
  SY_RETURN_IF_ERROR(r.Int("max_in_flight_per_client", &d->max_in_flight_per_client, 0, 100000000));
  SY_RETURN_IF_ERROR(r.Int("frame_timeout_ms", &d->frame_timeout_ms, 10, 3600000));
  return r.NoUnknownKeys();
}

// Loopback only: the front door has no TLS, and by default no key.
bool IsLoopbackListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) return false;
  for (size_t i = colon + 1; i < listen.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(listen[i]))) return false;
  }
  if (listen.size() - colon - 1 > 5 || std::stol(listen.substr(colon + 1)) > 65535) return false;
  std::string host = listen.substr(0, colon);
  if (host == "[::1]") return true;
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

Status ParseHttp(const std::string& src, const toml::table* t, HttpConfig* h) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, "http");
  SY_RETURN_IF_ERROR(r.String("listen", &h->listen));
  if (!h->listen.empty() && !IsLoopbackListen(h->listen)) {
    return r.Error(r.Get("listen"), "listen",
                   "expected a loopback address and port (\"127.0.0.1:8080\" or \"[::1]:8080\"); "
                   "put a proxy in front to serve other hosts");
  }
  SY_RETURN_IF_ERROR(r.String("socket", &h->socket));
  SY_RETURN_IF_ERROR(r.String("api_key_file", &h->api_key_file));
  if (!h->api_key_file.empty()) {
    Status s = ReadKeyFile(h->api_key_file, &h->api_key);
    if (!s.ok()) return r.Error(r.Get("api_key_file"), "api_key_file", s.message());
  }
  SY_RETURN_IF_ERROR(r.Int("max_body_bytes", &h->max_body_bytes, 1024, int64_t{1} << 30));
  SY_RETURN_IF_ERROR(r.Int("max_header_bytes", &h->max_header_bytes, 1024, int64_t{1} << 24));
  SY_RETURN_IF_ERROR(r.Int("read_timeout_ms", &h->read_timeout_ms, 10, 3600000));
  SY_RETURN_IF_ERROR(r.Int("stream_ping_ms", &h->stream_ping_ms, 10, 3600000));
  return r.NoUnknownKeys();
}

Status ParseFleet(const std::string& src, const toml::table* t, FleetConfig* f) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, "fleet");
  SY_RETURN_IF_ERROR(r.String("redis", &f->redis));
  if (!f->redis.empty()) {
    RedisAddress unused;
    Status s = ParseRedisAddress(f->redis, &unused);
    if (!s.ok()) return r.Error(r.Get("redis"), "redis", s.message());
  }
  SY_RETURN_IF_ERROR(r.String("name", &f->name));
  if (f->name.empty()) return r.Error(r.Get("name"), "name", "is empty");
  SY_RETURN_IF_ERROR(r.String("password_file", &f->password_file));
  if (!f->password_file.empty()) {
    Status s = ReadKeyFile(f->password_file, &f->password);
    if (!s.ok()) return r.Error(r.Get("password_file"), "password_file", s.message());
  }
  SY_RETURN_IF_ERROR(r.String("host", &f->host));
  SY_RETURN_IF_ERROR(r.Int("publish_interval_ms", &f->publish_interval_ms, 100, 3600000));
  SY_RETURN_IF_ERROR(r.Int("timeout_ms", &f->timeout_ms, 10, 60000));
  SY_RETURN_IF_ERROR(r.Int("probe_lease_ms", &f->probe_lease_ms, 100, 3600000));
  if (f->host.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) f->host = name;
  }
  return r.NoUnknownKeys();
}

Status ParseHistory(const std::string& src, const toml::table* t, HistoryConfig* h) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, "history");
  SY_RETURN_IF_ERROR(r.Bool("enabled", &h->enabled));
  SY_RETURN_IF_ERROR(r.Int("retention_days", &h->retention_days, 1, 36500));
  SY_RETURN_IF_ERROR(
      r.Int("fallback_answers_retention_days", &h->fallback_answers_retention_days, 1, 36500));
  SY_RETURN_IF_ERROR(r.Int("max_size_mb", &h->max_size_mb, 0, int64_t{1} << 30));
  SY_RETURN_IF_ERROR(r.Int("queue_rows", &h->queue_rows, 100, 100000000));
  SY_RETURN_IF_ERROR(r.Int("flush_ms", &h->flush_ms, 1, 60000));
  return r.NoUnknownKeys();
}

Status ParseBreaker(const std::string& src, const std::string& prefix, const toml::table* t,
                    BreakerConfig* b) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, prefix);
  SY_RETURN_IF_ERROR(r.Int("window_s", &b->window_s, 1, 86400));
  SY_RETURN_IF_ERROR(r.Int("min_calls", &b->min_calls, 1, 1000000));
  SY_RETURN_IF_ERROR(r.Double("failure_rate", &b->failure_rate, 0.01, 1));
  SY_RETURN_IF_ERROR(r.Double("slow_rate", &b->slow_rate, 0.01, 1));
  SY_RETURN_IF_ERROR(r.Int("consecutive_failures", &b->consecutive_failures, 1, 1000000));
  SY_RETURN_IF_ERROR(r.Int("consecutive_timeouts", &b->consecutive_timeouts, 1, 1000000));
  SY_RETURN_IF_ERROR(r.Int("cooldown_ms", &b->cooldown_ms, 1, 3600000));
  SY_RETURN_IF_ERROR(r.Double("cooldown_multiplier", &b->cooldown_multiplier, 1, 100));
  SY_RETURN_IF_ERROR(r.Int("max_cooldown_ms", &b->max_cooldown_ms, 1, 86400000));
  SY_RETURN_IF_ERROR(r.Double("jitter", &b->jitter, 0, 0.9));
  SY_RETURN_IF_ERROR(r.Int("half_open_probes", &b->half_open_probes, 1, 1000));
  if (b->max_cooldown_ms < b->cooldown_ms) {
    return r.Error(r.Get("max_cooldown_ms"), "max_cooldown_ms", "is less than cooldown_ms");
  }
  return r.NoUnknownKeys();
}

Status ParseRetry(const std::string& src, const toml::table* t, RetryConfig* rc) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, "retry");
  SY_RETURN_IF_ERROR(r.Double("budget_percent", &rc->budget_percent, 0, 100));
  SY_RETURN_IF_ERROR(r.Double("extra_load_percent", &rc->extra_load_percent, 0, 100));
  SY_RETURN_IF_ERROR(r.Int("min_retries", &rc->min_retries, 0, 1000000));
  SY_RETURN_IF_ERROR(r.Int("window_s", &rc->window_s, 1, 3600));
  SY_RETURN_IF_ERROR(r.Int("max_retry_after_ms", &rc->max_retry_after_ms, 0, 600000));
  return r.NoUnknownKeys();
}

// A secret from the environment variable named at `env_key` or the file at `file_key`
// (not both); `fallback_env` when neither is given. Missing: an error when `required`.
Status ReadSecret(TableReader& r, const char* env_key, const char* file_key,
                  const std::string& fallback_env, bool required, std::string* env,
                  std::string* file, std::string* out) {
  SY_RETURN_IF_ERROR(r.String(env_key, env));
  SY_RETURN_IF_ERROR(r.String(file_key, file));
  if (!env->empty() && !file->empty()) {
    return r.Error(r.Get(file_key), file_key,
                   std::string("give ") + env_key + " or " + file_key + ", not both");
  }
  if (!file->empty()) {
    Status s = ReadKeyFile(*file, out);
    if (!s.ok()) return r.Error(r.Get(file_key), file_key, s.message());
    return Status::Ok();
  }
  std::string name = env->empty() ? fallback_env : *env;
  if (name.empty()) return Status::Ok();
  const char* v = std::getenv(name.c_str());
  if (v && *v) {
    *out = v;
  } else if (required || !env->empty()) {
    return r.Error(r.Get(env->empty() ? "kind" : env_key), env->empty() ? "kind" : env_key,
                   "environment variable " + name + " is not set");
  }
  return Status::Ok();
}

Status ParseProvider(const std::string& src, const std::string& name, const toml::table& t,
                     ProviderConfig* p) {
  TableReader r(src, t, "providers." + name);
  p->name = name;
  std::string kind;
  SY_RETURN_IF_ERROR(r.String("kind", &kind, true));
  bool known = false;
  for (ProviderKind k : {ProviderKind::kOpenAI, ProviderKind::kAnthropic, ProviderKind::kGemini,
                         ProviderKind::kAzure, ProviderKind::kBedrock}) {
    if (kind == ProviderKindName(k)) {
      p->kind = k;
      known = true;
    }
  }
  if (!known) {
    return r.Error(
        r.Get("kind"), "kind",
        "must be \"openai\", \"anthropic\", \"gemini\", \"azure\" or \"bedrock\", got \"" + kind +
            "\"");
  }
  const bool bedrock = p->kind == ProviderKind::kBedrock;
  SY_RETURN_IF_ERROR(r.String("region", &p->region, bedrock));
  if (!bedrock && !p->region.empty()) {
    return r.Error(r.Get("region"), "region", "is for kind = \"bedrock\" only");
  }
  for (char c : p->region) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return r.Error(r.Get("region"), "region", "is not an AWS region name: " + p->region);
    }
  }
  std::string default_url = p->kind == ProviderKind::kGemini
                                ? "https://generativelanguage.googleapis.com/v1beta"
                            : bedrock ? "https://bedrock-runtime." + p->region + ".amazonaws.com"
                                      : "";
  SY_RETURN_IF_ERROR(r.String("base_url", &p->base_url, default_url.empty()));
  if (p->base_url.empty()) p->base_url = default_url;
  if (p->base_url.rfind("http://", 0) != 0 && p->base_url.rfind("https://", 0) != 0) {
    return r.Error(r.Get("base_url"), "base_url", "must start with http:// or https://");
  }
  while (!p->base_url.empty() && p->base_url.back() == '/') p->base_url.pop_back();
  SY_RETURN_IF_ERROR(r.String("api_version", &p->api_version));
  if (p->kind != ProviderKind::kAzure && r.Get("api_version")) {
    return r.Error(r.Get("api_version"), "api_version", "is for kind = \"azure\" only");
  }
  SY_RETURN_IF_ERROR(r.Int("connect_timeout_ms", &p->connect_timeout_ms, 1, 600000));
  SY_RETURN_IF_ERROR(r.Int("max_in_flight", &p->max_in_flight, 1, 1000000));
  SY_RETURN_IF_ERROR(r.Int("max_response_bytes", &p->max_response_bytes, 4096, int64_t{1} << 32));
  std::string http_client;
  SY_RETURN_IF_ERROR(r.String("http_client", &http_client));
  if (http_client == "curl") {
    p->http_client_curl = true;
  } else if (!http_client.empty() && http_client != "auto") {
    return r.Error(r.Get("http_client"), "http_client",
                   "must be \"auto\" or \"curl\", got \"" + http_client + "\"");
  }
  SY_RETURN_IF_ERROR(r.String("ca_file", &p->ca_file));
  if (!p->ca_file.empty() && !std::ifstream(p->ca_file)) {
    return r.Error(r.Get("ca_file"), "ca_file", "cannot read " + p->ca_file);
  }
  SY_RETURN_IF_ERROR(ReadSecret(r, "api_key_env", "api_key_file", "", false, &p->api_key_env,
                                &p->api_key_file, &p->api_key));
  if (bedrock && p->api_key.empty()) {
    // Without a Bedrock API key (a bearer token), calls are signed with AWS credentials.
    SY_RETURN_IF_ERROR(ReadSecret(r, "aws_access_key_id_env", "aws_access_key_id_file",
                                  "AWS_ACCESS_KEY_ID", true, &p->aws_access_key_id_env,
                                  &p->aws_access_key_id_file, &p->aws_access_key_id));
    SY_RETURN_IF_ERROR(ReadSecret(r, "aws_secret_access_key_env", "aws_secret_access_key_file",
                                  "AWS_SECRET_ACCESS_KEY", true, &p->aws_secret_access_key_env,
                                  &p->aws_secret_access_key_file, &p->aws_secret_access_key));
    SY_RETURN_IF_ERROR(ReadSecret(r, "aws_session_token_env", "aws_session_token_file",
                                  "AWS_SESSION_TOKEN", false, &p->aws_session_token_env,
                                  &p->aws_session_token_file, &p->aws_session_token));
  } else if (bedrock) {
    for (const char* k :
         {"aws_access_key_id_env", "aws_access_key_id_file", "aws_secret_access_key_env",
          "aws_secret_access_key_file", "aws_session_token_env", "aws_session_token_file"}) {
      if (r.Get(k)) {
        return r.Error(r.Get(k), k,
                       "give a Bedrock API key (api_key_env) or AWS credentials, not both");
      }
    }
  } else {
    for (const char* k :
         {"aws_access_key_id_env", "aws_access_key_id_file", "aws_secret_access_key_env",
          "aws_secret_access_key_file", "aws_session_token_env", "aws_session_token_file"}) {
      if (r.Get(k)) return r.Error(r.Get(k), k, "is for kind = \"bedrock\" only");
    }
  }
  return r.NoUnknownKeys();
}

Status ParseModel(const std::string& src, const std::string& name, const toml::table& t,
                  const Config& cfg, ModelConfig* m) {
  TableReader r(src, t, "models." + name);
  m->name = name;
  SY_RETURN_IF_ERROR(r.String("provider", &m->provider, true));
  if (!cfg.providers.count(m->provider)) {
    return r.Error(r.Get("provider"), "provider", "unknown provider '" + m->provider + "'");
  }
  SY_RETURN_IF_ERROR(r.String("id", &m->id, true));
  SY_RETURN_IF_ERROR(r.Int("context_window", &m->context_window, 1, int64_t{1} << 32, true));
  SY_RETURN_IF_ERROR(r.Int("max_output_tokens", &m->max_output_tokens, 1, int64_t{1} << 32, true));
  if (m->max_output_tokens > m->context_window) {
    return r.Error(r.Get("max_output_tokens"), "max_output_tokens", "exceeds context_window");
  }
  SY_RETURN_IF_ERROR(r.Double("input_usd_per_mtok", &m->input_usd_per_mtok, 0, 1e6));
  SY_RETURN_IF_ERROR(r.Double("output_usd_per_mtok", &m->output_usd_per_mtok, 0, 1e6));
  SY_RETURN_IF_ERROR(r.Bool("vision", &m->vision));
  SY_RETURN_IF_ERROR(r.Bool("reasoning", &m->reasoning));
  SY_RETURN_IF_ERROR(r.Bool("tools", &m->tools));
  SY_RETURN_IF_ERROR(r.Bool("json_schema", &m->json_schema));
  m->breaker = cfg.breaker;
  const toml::table* breaker = nullptr;
  SY_RETURN_IF_ERROR(r.Table("breaker", &breaker));
  SY_RETURN_IF_ERROR(ParseBreaker(src, r.Path("breaker"), breaker, &m->breaker));
  return r.NoUnknownKeys();
}

Status ParseTimeout(const std::string& src, const std::string& prefix, const toml::table* t,
                    TimeoutConfig* to) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, prefix);
  SY_RETURN_IF_ERROR(r.Int("default_ms", &to->default_ms, 1, 3600000));
  SY_RETURN_IF_ERROR(r.Double("p95_multiplier", &to->p95_multiplier, 0.1, 100));
  SY_RETURN_IF_ERROR(r.Int("floor_ms", &to->floor_ms, 1, 3600000));
  SY_RETURN_IF_ERROR(r.Int("ceiling_ms", &to->ceiling_ms, 1, 3600000));
  SY_RETURN_IF_ERROR(r.Int("min_samples", &to->min_samples, 1, 1000000));
  SY_RETURN_IF_ERROR(r.Int("window_s", &to->window_s, 1, int64_t{86400} * 30));
  SY_RETURN_IF_ERROR(r.Int("first_token_default_ms", &to->first_token_default_ms, 1, 3600000));
  SY_RETURN_IF_ERROR(r.Int("stall_ms", &to->stall_ms, 1, 3600000));
  if (to->floor_ms > to->ceiling_ms) {
    return r.Error(r.Get("floor_ms"), "floor_ms", "is greater than ceiling_ms");
  }
  return r.NoUnknownKeys();
}

Status ParseChecks(const std::string& src, const std::string& prefix, const toml::table* t,
                   ChecksConfig* c) {
  if (!t) return Status::Ok();
  TableReader r(src, *t, prefix);
  SY_RETURN_IF_ERROR(r.Bool("empty", &c->empty));
  SY_RETURN_IF_ERROR(r.Bool("length", &c->length));
  SY_RETURN_IF_ERROR(r.Bool("content_filter", &c->content_filter));
  SY_RETURN_IF_ERROR(r.Bool("incomplete_stream", &c->incomplete_stream));
  SY_RETURN_IF_ERROR(r.Bool("json", &c->json));
  SY_RETURN_IF_ERROR(r.Bool("repetition", &c->repetition));
  SY_RETURN_IF_ERROR(r.Bool("tool_calls", &c->tool_calls));
  SY_RETURN_IF_ERROR(r.Bool("schema", &c->schema));
  return r.NoUnknownKeys();
}

Status ParseRoute(const std::string& src, const std::string& name, const toml::table& t,
                  const Config& cfg, RouteConfig* route) {
  TableReader r(src, t, "routes." + name);
  route->name = name;
  const toml::node* tiers = r.Get("tiers");
  if (!tiers) return r.Error(nullptr, "tiers", "is required");
  if (!tiers->is_array() || tiers->as_array()->empty()) {
    return r.Error(tiers, "tiers", "must be a non-empty array of model names");
  }
  std::set<std::string> seen;
  size_t i = 0;
  for (const toml::node& tier : *tiers->as_array()) {
    std::string key = "tiers[" + std::to_string(i++) + "]";
    auto v = tier.value<std::string>();
    if (!tier.is_string() || !v) return r.Error(&tier, key, "must be a string");
    if (!cfg.models.count(*v)) return r.Error(&tier, key, "unknown model '" + *v + "'");
    if (!seen.insert(*v).second) return r.Error(&tier, key, "model '" + *v + "' appears twice");
    route->tiers.push_back(*v);
  }
  SY_RETURN_IF_ERROR(r.Int("deadline_ms", &route->deadline_ms, 1, 3600000));
  std::string soft;
  SY_RETURN_IF_ERROR(r.String("on_soft_timeout", &soft));
  if (soft == "hedge") {
    route->on_soft_timeout = SoftTimeout::kHedge;
  } else if (!soft.empty() && soft != "cutover") {
    return r.Error(r.Get("on_soft_timeout"), "on_soft_timeout",
                   "must be \"cutover\" or \"hedge\", got \"" + soft + "\"");
  }
  SY_RETURN_IF_ERROR(r.Int("max_attempts", &route->max_attempts, 1, 100));
  if (route->max_attempts == 0) route->max_attempts = static_cast<int64_t>(route->tiers.size()) + 1;
  const toml::table* timeout = nullptr;
  SY_RETURN_IF_ERROR(r.Table("timeout", &timeout));
  SY_RETURN_IF_ERROR(ParseTimeout(src, r.Path("timeout"), timeout, &route->timeout));
  std::string overflow;
  SY_RETURN_IF_ERROR(r.String("on_context_overflow", &overflow));
  if (overflow == "skip") {
    route->on_context_overflow = ContextOverflow::kSkip;
  } else if (!overflow.empty() && overflow != "truncate") {
    return r.Error(r.Get("on_context_overflow"), "on_context_overflow",
                   "must be \"truncate\" or \"skip\", got \"" + overflow + "\"");
  }
  const toml::table* checks = nullptr;
  SY_RETURN_IF_ERROR(r.Table("checks", &checks));
  SY_RETURN_IF_ERROR(ParseChecks(src, r.Path("checks"), checks, &route->checks));
  SY_RETURN_IF_ERROR(r.Double("budget_usd_per_day", &route->budget_usd_per_day, 0, 1e9));
  SY_RETURN_IF_ERROR(r.Bool("keep_fallback_answers", &route->keep_fallback_answers));
  SY_RETURN_IF_ERROR(r.String("over_budget_tier", &route->over_budget_tier));
  if (route->over_budget_tier.empty()) {
    route->over_budget_tier = route->tiers.size() > 1 ? route->tiers[1] : route->tiers[0];
  } else if (std::find(route->tiers.begin(), route->tiers.end(), route->over_budget_tier) ==
             route->tiers.end()) {
    return r.Error(r.Get("over_budget_tier"), "over_budget_tier",
                   "'" + route->over_budget_tier + "' is not one of the route's tiers");
  }
  return r.NoUnknownKeys();
}

// Parses every child table of `parent.key` with `fn(name, table)`.
template <typename Fn>
Status ForEachTable(const std::string& src, TableReader& root, const std::string& key, Fn fn) {
  const toml::table* t = nullptr;
  SY_RETURN_IF_ERROR(root.Table(key, &t));
  if (!t) return Status::Ok();
  TableReader r(src, *t, key);
  for (auto&& [k, v] : *t) {
    std::string name(k.str());
    r.Get(name);
    if (!v.is_table()) return r.Error(&v, name, "must be a table");
    SY_RETURN_IF_ERROR(fn(name, *v.as_table()));
  }
  return Status::Ok();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The key a syntax error at `line` (1-based) belongs to, as a full dotted path: the nearest
// "key =" at or above it within its table, under that table's [header]; the header itself
// when the error is in one. Empty when no key can be told. toml++ names the line, not the
// key, and "expected digit, saw 's'" alone leaves a reader hunting.
std::string KeyAtLine(std::string_view text, int64_t line) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto is_bare = [](std::string_view k) {
    return !k.empty() && k.find_first_not_of(
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789_-.") == std::string_view::npos;
  };
  std::string key;
  int64_t last = std::min<int64_t>(line, static_cast<int64_t>(lines.size())) - 1;
  for (int64_t i = last; i >= 0; --i) {
    std::string_view t = Trim(lines[static_cast<size_t>(i)]);
    if (t.empty() || t.front() == '#') continue;
    if (t.front() == '[') {
      size_t name = t.find_first_not_of('[');
      t = name == std::string_view::npos ? std::string_view() : Trim(t.substr(name));
      t = Trim(t.substr(0, t.find(']')));
      return key.empty() ? std::string(t) : std::string(t) + "." + key;
    }
    if (!key.empty()) continue;
    size_t eq = t.find('=');
    std::string_view k = Trim(t.substr(0, eq == std::string_view::npos ? t.find(' ') : eq));
    if (eq != std::string_view::npos || i == last) {
      // "key = ..." at or above the error; or, on the error's own line, a key missing its '='.
      if (is_bare(k)) key = k;
    }
  }
  return key;
}

}  // namespace

const char* ProviderKindName(ProviderKind k) {
  switch (k) {
    case ProviderKind::kOpenAI:
      return "openai";
    case ProviderKind::kAnthropic:
      return "anthropic";
    case ProviderKind::kGemini:
      return "gemini";
    case ProviderKind::kAzure:
      return "azure";
    case ProviderKind::kBedrock:
      return "bedrock";
  }
  return "openai";
}

Status ParseConfig(std::string_view text, const std::string& source, Config* out) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    auto line = static_cast<int64_t>(e.source().begin.line);
    std::string key = KeyAtLine(text, line);
    return Status::InvalidArgument(source + ":" + std::to_string(line) + ":" +
                                   std::to_string(e.source().begin.column) + ": " +
                                   (key.empty() ? "" : key + ": ") + std::string(e.description()));
  }
  Config cfg;
  TableReader r(source, root, "");
  const toml::table* daemon = nullptr;
  SY_RETURN_IF_ERROR(r.Table("daemon", &daemon));
  SY_RETURN_IF_ERROR(ParseDaemon(source, daemon, &cfg.daemon));
  const toml::table* history = nullptr;
  SY_RETURN_IF_ERROR(r.Table("history", &history));
  SY_RETURN_IF_ERROR(ParseHistory(source, history, &cfg.history));
  const toml::table* http = nullptr;
  SY_RETURN_IF_ERROR(r.Table("http", &http));
  SY_RETURN_IF_ERROR(ParseHttp(source, http, &cfg.http));
  const toml::table* fleet = nullptr;
  SY_RETURN_IF_ERROR(r.Table("fleet", &fleet));
  SY_RETURN_IF_ERROR(ParseFleet(source, fleet, &cfg.fleet));
  const toml::table* breaker = nullptr;
  SY_RETURN_IF_ERROR(r.Table("breaker", &breaker));
  SY_RETURN_IF_ERROR(ParseBreaker(source, "breaker", breaker, &cfg.breaker));
  const toml::table* retry = nullptr;
  SY_RETURN_IF_ERROR(r.Table("retry", &retry));
  SY_RETURN_IF_ERROR(ParseRetry(source, retry, &cfg.retry));
  SY_RETURN_IF_ERROR(
      ForEachTable(source, r, "providers", [&](const std::string& n, const toml::table& t) {
        return ParseProvider(source, n, t, &cfg.providers[n]);
      }));
  SY_RETURN_IF_ERROR(
      ForEachTable(source, r, "models", [&](const std::string& n, const toml::table& t) {
        ModelConfig m;
        SY_RETURN_IF_ERROR(ParseModel(source, n, t, cfg, &m));
        cfg.models[n] = std::move(m);
        return Status::Ok();
      }));
  SY_RETURN_IF_ERROR(
      ForEachTable(source, r, "routes", [&](const std::string& n, const toml::table& t) {
        RouteConfig route;
        SY_RETURN_IF_ERROR(ParseRoute(source, n, t, cfg, &route));
        cfg.routes[n] = std::move(route);
        return Status::Ok();
      }));
  SY_RETURN_IF_ERROR(r.NoUnknownKeys());
  if (cfg.routes.empty())
    return Status::InvalidArgument(source + ": no [routes.*] table: nothing to serve");
  *out = std::move(cfg);
  return Status::Ok();
}

Status LoadConfig(const std::string& path, Config* out) {
  std::string text;
  Status s = ReadRegularFile(path, &text);
  if (!s.ok()) {
    std::string msg = "config file: " + s.message();
    return s.code() == Status::Code::kIoError ? Status::IoError(msg) : Status::InvalidArgument(msg);
  }
  return ParseConfig(text, path, out);
}

}  // namespace switchyard
