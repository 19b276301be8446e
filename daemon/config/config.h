// The daemon's configuration: a TOML file read once at start (and again on SIGHUP),
// validated here so nothing downstream re-validates. Every field carries its default.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace switchyard {

// The wire a provider speaks: OpenAI chat completions (also Ollama, vLLM, llama.cpp and most
// local servers), Anthropic messages, Google's Gemini generateContent, Azure OpenAI
// deployments, or AWS Bedrock's Converse.
enum class ProviderKind { kOpenAI, kAnthropic, kGemini, kAzure, kBedrock };

const char* ProviderKindName(ProviderKind k);

struct ProviderConfig {
  std::string name;
  ProviderKind kind = ProviderKind::kOpenAI;
  // Up to and including the version segment; "/chat/completions" or "/messages" is appended
  // (Gemini: "/models/ID:generateContent"; Azure: the resource's URL, to which
  // "/openai/deployments/ID/chat/completions" is; Bedrock: "/model/ID/converse"). Gemini and
  // Bedrock have a default: Google's v1beta, and bedrock-runtime.REGION.amazonaws.com.
  std::string base_url;
  // Where the key comes from: an environment variable, or a file (relative paths are taken
  // inside $CREDENTIALS_DIRECTORY when systemd's LoadCredential set it). Neither: no key,
  // for local OpenAI-compatible servers.
  std::string api_key_env;
  std::string api_key_file;
  // The resolved key. Never logged, stored, or returned to a client.
  std::string api_key;
  // Azure: the api-version every call names.
  std::string api_version = "2024-10-21";
  // Bedrock: the AWS region (in the signature and the default base_url), and the
  // credentials the calls are signed with (SigV4, by libcurl). Each comes from an
  // environment variable or a file, as the API key does; unsaid, from AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (optional), as AWS's own tools read them.
  // A Bedrock API key in api_key_env/api_key_file is sent as a bearer instead, unsigned.
  std::string region;
  std::string aws_access_key_id_env, aws_access_key_id_file;
  std::string aws_secret_access_key_env, aws_secret_access_key_file;
  std::string aws_session_token_env, aws_session_token_file;
  // Resolved; secrets like api_key.
  std::string aws_access_key_id, aws_secret_access_key, aws_session_token;
  // Seconds before a connection attempt gives up; short, because a provider that cannot
  // accept a TCP connection is better skipped than waited for.
  int64_t connect_timeout_ms = 2000;
  // Attempts in flight to this provider at once; past it a tier is skipped as "overloaded"
  // rather than queued behind a provider that is not keeping up.
  int64_t max_in_flight = 1024;
  // PEM file of the CAs to trust for this provider instead of the system's (a private
  // gateway, a test endpoint). Empty: the system store.
  std::string ca_file;
  // A longer answer is abandoned as a transport error: no real completion is near this, and
  // a provider gone mad must not fill the daemon's memory.
  int64_t max_response_bytes = 8 << 20;
  // http_client = "curl": libcurl for an http:// base_url too, instead of the daemon's own
  // HTTP/1.1 client ("auto", the default; https:// always goes through libcurl).
  bool http_client_curl = false;
};

// Circuit breaker of one model (see resilience/breaker.h). Defaults come from [breaker];
// [models.NAME.breaker] overrides any of them.
struct BreakerConfig {
  int64_t window_s = 30;             // rates are over this sliding window
  int64_t min_calls = 10;            // calls the window needs before a rate can open it
  double failure_rate = 0.5;         // share of failed calls that opens it
  double slow_rate = 0.8;            // share of slow calls (timeouts, late answers) that opens it
  int64_t consecutive_failures = 5;  // a run of errors this long opens it whatever the rates
  // A run of calls that failed or were cut off at their timeout this long opens it. Longer
  // than the error run: concurrent calls that hang are cut off together, so a short run of
  // cut-offs is what a model that hangs now and then also gives.
  int64_t consecutive_timeouts = 10;
  int64_t cooldown_ms = 5000;        // open this long before the first probe
  double cooldown_multiplier = 2.0;  // each failed probe multiplies the cool-down...
  int64_t max_cooldown_ms = 60000;   // ...up to this
  double jitter = 0.2;               // +-share of random spread on each cool-down
  int64_t half_open_probes = 1;      // calls let through at once while half-open
};

// Same-model retries: rare, and bounded by a budget over all requests.
struct RetryConfig {
  double budget_percent = 20;  // retries may be this share of recent requests...
  int64_t min_retries = 3;     // ...but at least this many per window
  int64_t window_s = 10;
  // A 429 whose Retry-After is at most this may be retried on the same model after waiting;
  // a longer one moves on to the next tier.
  int64_t max_retry_after_ms = 1000;
  // Hedged calls and probe copies together may be this share of a route's recent requests
  // (and at least min_retries per window); beyond it a hedging route cuts over instead.
  double extra_load_percent = 5;
};

struct ModelConfig {
  std::string name;      // the name routes use, e.g. "gpt-4o-mini"
  std::string provider;  // a key of Config::providers
  std::string id;        // the provider's model id, sent on the wire
  int64_t context_window = 0;
  int64_t max_output_tokens = 0;
  double input_usd_per_mtok = 0;
  double output_usd_per_mtok = 0;
  // The model reads images. A request holding one skips a model without it (outcome
  // `unsupported`); off by default, since a model sent an image it cannot read fails the call.
  bool vision = false;
  // The model takes tools, and answers that must follow a JSON Schema. On by default, as
  // nearly every hosted model does; a local model served without tool support, say, is set
  // `tools = false`, and a request offering tools skips it (outcome `unsupported`).
  bool tools = true;
  bool json_schema = true;
  // The model reasons before it answers (OpenAI's o-series and gpt-5): a request asking for
  // Anthropic's extended thinking reaches it as a reasoning_effort; without it, the model
  // answers without (docs/design.md).
  bool reasoning = false;
  BreakerConfig breaker;
};

struct TimeoutConfig {
  // Per-attempt timeout before the model has a latency history. Too low wastes good
  // answers on a cold start; too high is what an outage costs each request.
  int64_t default_ms = 5000;
  // Learned timeout = clamp(P95 * p95_multiplier, floor_ms, ceiling_ms).
  double p95_multiplier = 1.0;
  int64_t floor_ms = 300;
  int64_t ceiling_ms = 10000;
  // Samples a (model, task) needs before its P95 is trusted.
  int64_t min_samples = 20;
  // How far back the latency window reaches; shorter adapts faster and forgets sooner.
  int64_t window_s = 900;
  // Streams: the time-to-first-token timeout before a (model, task) has a TTFT history; after
  // that it is learned like the answer timeout (same multiplier, floor and ceiling).
  int64_t first_token_default_ms = 3000;
  // Streams: a stream with no bytes for this long has stalled, which is a failure.
  int64_t stall_ms = 10000;
};

enum class ContextOverflow {
  kTruncate,  // shorten the prompt to fit (answer/fit_prompt.h)
  kSkip,      // skip the model, outcome context_overflow
};

// Partial-failure checks (answer/answer_checks.h), each on unless switched off.
struct ChecksConfig {
  bool empty = true;
  bool length = true;
  bool content_filter = true;
  bool incomplete_stream = true;
  bool json = true;
  bool repetition = true;
  bool tool_calls = true;  // tool calls: JSON arguments, on their tool's schema, to a tool offered
  bool schema = true;      // json_schema answers: valid against the schema
};

enum class SoftTimeout {
  kCutover,  // abandon the slow attempt and try the next tier
  kHedge,    // start the next tier too; keep the slow attempt until its hard timeout
};

struct RouteConfig {
  std::string name;
  std::vector<std::string> tiers;  // model names, best first
  // Whole-request budget when the client gives none.
  int64_t deadline_ms = 20000;
  TimeoutConfig timeout;
  SoftTimeout on_soft_timeout = SoftTimeout::kCutover;
  // Hard cap on model calls for one request, retries included. 0: tiers + 1.
  int64_t max_attempts = 0;
  // What a prompt too long for a model's window gets.
  ContextOverflow on_context_overflow = ContextOverflow::kTruncate;
  ChecksConfig checks;
  // Spending cap per UTC day, over every attempt of the route's requests; 0: none. Once it
  // is spent, requests start at `over_budget_tier` instead of the first tier.
  double budget_usd_per_day = 0;
  std::string over_budget_tier;  // a model of `tiers`; default: the second tier
  // Keep the prompt and answer of each request a model other than the first tier served, in
  // the history's fallback_answers table, for review. It holds user text: off by default.
  bool keep_fallback_answers = false;
};

struct DaemonConfig {
  std::string socket = "/run/switchyard/switchyard.sock";
  std::string history = "/var/lib/switchyard/history.db";
  std::string log_level = "info";
  // Largest request frame accepted; bigger frames close the connection.
  int64_t max_frame_bytes = 8 << 20;
  // Answers a client has not read yet that the daemon keeps for it; past this the client is
  // disconnected (it stopped reading), so one slow reader cannot grow the daemon's memory.
  int64_t max_pending_write_bytes = 4 << 20;
  // Permission bits of the socket file the daemon creates itself.
  int64_t socket_mode = 0660;
  // If either list is non-empty, a connecting process must have one of these uids, or one
  // of these gids among its groups (checked with SO_PEERCRED / SO_PEERGROUPS).
  std::vector<int64_t> allow_uids;
  std::vector<int64_t> allow_gids;
  // Requests one client (a process, by its pid; a connection where the pid is unknown) may
  // have in flight at once; past it the excess is answered `overloaded`. 0: no cap. Each
  // provider's slots are also shared fairly among clients whatever this is.
  int64_t max_in_flight_per_client = 256;
  // A connection whose request frame has been incomplete this long is closed: a client that
  // stalls mid-frame holds memory and a descriptor for nothing. Idle connections stay.
  int64_t frame_timeout_ms = 10000;
};

// The HTTP front door: the OpenAI-compatible API and Prometheus' /metrics. Off unless
// `listen` or `socket` is set.
struct HttpConfig {
  std::string listen;  // "127.0.0.1:8080" or "[::1]:8080": loopback TCP only
  std::string socket;  // a Unix socket, with daemon.socket_mode and the daemon's allow-lists
  // When set, every request needs "Authorization: Bearer <the key in this file>".
  std::string api_key_file;
  std::string api_key;  // read from api_key_file
  int64_t max_body_bytes = 8 << 20;
  int64_t max_header_bytes = 32 << 10;
  // A request still incomplete this long gets 408; an idle keep-alive connection is closed.
  int64_t read_timeout_ms = 30000;
  // An Anthropic-door stream sends a ping event this often while it is open, as Anthropic's
  // own streams do, so that proxies and clients with idle timeouts keep a slow stream.
  int64_t stream_ping_ms = 10000;
  bool enabled() const { return !listen.empty() || !socket.empty(); }
};

// Hosts sharing breakers and learned latency through Redis (fleet/fleet.h). Off unless
// `redis` is set.
struct FleetConfig {
  std::string redis;                // "redis://HOST:PORT" or "unix:/path"
  std::string name = "switchyard";  // the fleet's key prefix: fleets may share one Redis
  std::string password_file;        // optional: AUTH with the password in this file
  std::string password;             // read from password_file
  std::string host;                 // this host's name in the fleet; default: the hostname
  // How often this host publishes its latency summaries and reads the others'.
  int64_t publish_interval_ms = 5000;
  // A Redis reply slower than this drops the link: the host carries on alone and reconnects.
  int64_t timeout_ms = 1000;
  // How long one host's turn to probe an open breaker lasts, unless its verdict ends it first.
  int64_t probe_lease_ms = 15000;
  bool enabled() const { return !redis.empty(); }
};

struct HistoryConfig {
  // Off: nothing is written and timeouts are learned from this run only.
  bool enabled = true;
  // Rows older than this are pruned, a few thousand at a time, once a minute.
  int64_t retention_days = 30;
  // fallback_answers rows (user text) are pruned after this, on their own.
  int64_t fallback_answers_retention_days = 7;
  // Rows that may wait for the writer thread; past it rows are dropped and counted.
  int64_t queue_rows = 100000;
  // Longest a row waits before it is committed: what a crash can lose.
  int64_t flush_ms = 50;
  // Largest the history file may grow, in MiB (0: no cap). Full, it behaves as a full disk:
  // rows wait in the queue and retention frees room.
  int64_t max_size_mb = 0;
};

struct Config {
  DaemonConfig daemon;
  HistoryConfig history;
  HttpConfig http;
  FleetConfig fleet;
  BreakerConfig breaker;  // defaults for every model
  RetryConfig retry;
  std::map<std::string, ProviderConfig> providers;
  std::map<std::string, ModelConfig> models;
  std::map<std::string, RouteConfig> routes;
};

// Reads and validates `path`. Errors name the file, line and key: "f.toml:12: routes.chat.tiers[1]:
// unknown model 'gpt-5'". API keys are resolved here, so a missing key stops the start.
Status LoadConfig(const std::string& path, Config* out);

// The same on text already in memory; `source` names it in errors.
Status ParseConfig(std::string_view text, const std::string& source, Config* out);

}  // namespace switchyard
