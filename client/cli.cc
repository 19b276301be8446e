// switchyard: the command-line client. `ask` sends one prompt, `status` shows the models.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "history_command.h"
#include "switchyard/client.h"
#include "version.h"

namespace {

std::string DefaultSocket() {
  if (const char* s = std::getenv("SWITCHYARD_SOCKET")) return s;
  return "/run/switchyard/switchyard.sock";
}

void PrintAttempts(const std::vector<switchyard::AttemptReport>& attempts) {
  for (const auto& a : attempts) {
    std::cerr << "  " << a.model << ": " << a.outcome << " after " << a.latency_ms << " ms";
    if (a.http_status) std::cerr << " (HTTP " << a.http_status << ")";
    if (!a.reason.empty() && a.outcome != "ok") std::cerr << " - " << a.reason;
    std::cerr << "\n";
  }
}

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "12 s ago" for a wall-clock time.
std::string Ago(int64_t since_ms) {
  return std::to_string(std::max<int64_t>(0, WallNowMs() - since_ms) / 1000) + " s ago";
}

// " (frozen for 12 s)" for a timeout held at its healthy value since `since_ms` (wall).
std::string Frozen(int64_t since_ms) {
  if (since_ms <= 0) return "";
  return " (frozen for " + std::to_string(std::max<int64_t>(0, WallNowMs() - since_ms) / 1000) +
         " s)";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"switchyard: talk to switchyardd"};
  std::string socket = DefaultSocket();
  app.add_option("--socket", socket, "switchyardd's socket ($SWITCHYARD_SOCKET)")
      ->capture_default_str();
  app.set_version_flag("--version", switchyard::kSwitchyardVersion);
  app.require_subcommand(1);

  CLI::App* ask = app.add_subcommand("ask", "send one prompt and print the answer");
  std::string route = "chat", task = "default", system, prompt;
  int64_t max_tokens = 512, deadline_ms = 0;
  bool quiet = false, stream = false, json = false, allow_length_stop = false;
  ask->add_option("--route", route, "route to use")->capture_default_str();
  ask->add_option("--task", task, "task label that keys the latency history")
      ->capture_default_str();
  ask->add_option("--system", system, "system message");
  ask->add_option("--max-tokens", max_tokens, "answer length limit")->capture_default_str();
  ask->add_option("--deadline-ms", deadline_ms, "whole-request deadline (default: the route's)");
  ask->add_flag("-q,--quiet", quiet, "print only the answer");
  ask->add_flag("--stream", stream, "print the answer as it arrives");
  ask->add_flag("--json", json, "ask for a JSON answer (and check that it is JSON)");
  ask->add_flag("--allow-length-stop", allow_length_stop,
                "accept an answer cut off at --max-tokens");
  ask->add_option("prompt", prompt, "the prompt")->required();

  CLI::App* status = app.add_subcommand("status", "show each model's breaker and timeout");
  CLI::App* ping = app.add_subcommand("ping", "check that the daemon answers");

  CLI::App* history = app.add_subcommand(
      "history", "answer an operator's first questions from the history file (read-only)");
  switchyard::HistoryCommand hc;
  const char* env_history = std::getenv("SWITCHYARD_HISTORY");
  hc.path = env_history && *env_history ? env_history : "/var/lib/switchyard/history.db";
  history->add_option("--history", hc.path, "the history file ($SWITCHYARD_HISTORY)")
      ->capture_default_str();
  history->add_flag("--json", hc.json, "JSON for scripts instead of a table");
  history->require_subcommand(1);
  std::string since;
  auto with_since = [&](CLI::App* sub, const char* fallback) {
    sub->add_option("--since", since,
                    std::string("how far back (90s, 30m, 1h, 7d); default ") + fallback);
  };
  CLI::App* h_fallbacks =
      history->add_subcommand("fallbacks", "fallbacks counted by route, from, to and reason");
  with_since(h_fallbacks, "1h");
  CLI::App* h_breakers = history->add_subcommand("breakers", "breaker transitions");
  with_since(h_breakers, "24h");
  CLI::App* h_latency =
      history->add_subcommand("latency", "calls, P50, P95 and timeouts per model and hour");
  with_since(h_latency, "24h");
  h_latency->add_option("--model", hc.model, "one model");
  CLI::App* h_cost = history->add_subcommand("cost", "cost per day, route and model");
  h_cost->add_option("--days", hc.days, "today and the days before it")
      ->capture_default_str()
      ->check(CLI::Range(1, 36500));
  CLI::App* h_answers = history->add_subcommand(
      "answers", "the answers fallbacks served, newest first (keep_fallback_answers routes)");
  h_answers->add_option("--route", hc.route, "one route");
  h_answers->add_option("--limit", hc.limit, "how many")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  CLI11_PARSE(app, argc, argv);

  if (*history) {
    for (CLI::App* sub : {h_fallbacks, h_breakers, h_latency, h_cost, h_answers}) {
      if (*sub) hc.what = sub->get_name();
    }
    if (since.empty()) since = hc.what == "fallbacks" ? "1h" : "24h";
    switchyard::Status ds = switchyard::ParseDuration(since, &hc.since_ms);
    if (!ds.ok()) {
      std::cerr << "switchyard history: --since " << since << ": " << ds.message() << "\n";
      return 2;
    }
    return switchyard::RunHistoryCommand(hc, stdout, stderr);
  }

  std::unique_ptr<switchyard::Client> client;
  switchyard::Status s = switchyard::Client::Connect(socket, &client);
  if (!s.ok()) {
    std::cerr << "switchyard: " << s.message() << "\n";
    return 2;
  }

  if (*ask) {
    switchyard::CompleteRequest req;
    req.route = route;
    req.task = task;
    req.max_tokens = max_tokens;
    req.deadline_ms = deadline_ms;
    req.json = json;
    req.allow_length_stop = allow_length_stop;
    if (!system.empty()) req.messages.push_back({"system", system});
    req.messages.push_back({"user", prompt});
    switchyard::CompleteReply r =
        stream ? client->CompleteStream(
                     req,
                     [](const switchyard::StreamChunk& c) { std::cout << c.content << std::flush; })
               : client->Complete(req);
    if (!r.status.ok()) {
      std::cerr << "switchyard: " << r.status.message() << "\n";
      return 2;
    }
    if (!r.ok) {
      if (stream) std::cout << "\n";
      std::cerr << "switchyard: " << r.error.code << ": " << r.error.message << "\n";
      if (!quiet) PrintAttempts(r.error.attempts);
      return 1;
    }
    std::cout << (stream ? "" : r.result.content) << "\n";
    if (!quiet) {
      if (r.result.truncated) {
        std::cerr << "prompt shortened to fit " << r.result.model << ": ~"
                  << r.result.truncation.tokens_before << " -> ~"
                  << r.result.truncation.tokens_after << " tokens, "
                  << r.result.truncation.dropped_messages << " oldest message(s) dropped, "
                  << r.result.truncation.cut_chars << " byte(s) cut\n";
      }
      std::cerr << "served by " << r.result.model << " in " << r.result.latency_ms << " ms, "
                << r.result.usage.input_tokens << "+" << r.result.usage.output_tokens
                << " tokens, $" << r.result.cost_usd << "\n";
      if (r.result.attempts.size() > 1) PrintAttempts(r.result.attempts);
    }
    return 0;
  }
  if (*status) {
    switchyard::StatusReply r = client->GetStatus();
    if (!r.status.ok() || !r.ok) {
      std::cerr << "switchyard: " << (r.status.ok() ? r.error.message : r.status.message()) << "\n";
      return 2;
    }
    std::printf("switchyardd %s, up %lld s, %lld request(s) in flight, %lld connection(s)\n",
                r.result.version.c_str(), static_cast<long long>(r.result.uptime_ms / 1000),
                static_cast<long long>(r.result.requests_in_flight),
                static_cast<long long>(r.result.connections));
    const auto& h = r.result.history;
    if (h.enabled) {
      std::printf("history: %lld rows written, %lld queued, %lld dropped, %lld write errors\n",
                  static_cast<long long>(h.written_rows), static_cast<long long>(h.queued_rows),
                  static_cast<long long>(h.dropped_rows), static_cast<long long>(h.write_errors));
    } else {
      std::printf("history: off\n");
    }
    const auto& f = r.result.fleet;
    if (f.state != "off") {
      std::printf(
          "fleet %s: %s (since %s) as host %s via %s, %lld host(s) sharing, %lld verdict(s) "
          "sent, %lld applied%s%s\n",
          f.name.c_str(), f.state.c_str(), Ago(f.since_ms).c_str(), f.host.c_str(), f.redis.c_str(),
          static_cast<long long>(f.hosts), static_cast<long long>(f.events_sent),
          static_cast<long long>(f.events_applied),
          f.last_error.empty() ? "" : "; last error: ", f.last_error.c_str());
    }
    std::printf("%-22s %-11s %-10s %6s %6s %6s %10s %10s %9s\n", "MODEL", "PROVIDER", "BREAKER",
                "FAIL%", "SLOW%", "CALLS", "PROBE_IN", "TIMEOUT_MS", "IN_FLIGHT");
    for (const auto& m : r.result.models) {
      std::string probe = m.breaker == "open" ? std::to_string(m.half_open_in_ms) + "ms" : "-";
      std::printf("%-22s %-11s %-10s %6.0f %6.0f %6lld %10s %10lld %9lld\n", m.name.c_str(),
                  m.provider.c_str(), m.breaker.c_str(), m.failure_rate * 100,
                  m.slow_call_rate * 100, static_cast<long long>(m.window_calls), probe.c_str(),
                  static_cast<long long>(m.timeout_ms), static_cast<long long>(m.in_flight));
      for (const auto& t : m.tasks) {
        std::printf(
            "  task %-18s %7lld samples  p50 %6.0f ms  p95 %6.0f ms  censored %4.1f%%  timeout "
            "%6lld ms%s%s\n",
            t.task.c_str(), static_cast<long long>(t.samples), t.p50_ms, t.p95_ms,
            t.censored_share * 100, static_cast<long long>(t.timeout_ms),
            Frozen(t.frozen_since_ms).c_str(),
            t.timeout_source == "fleet"
                ? (" (from the fleet: " + std::to_string(t.fleet_samples) + " samples)").c_str()
                : "");
        std::printf(
            "  %-23s %7lld samples  %14s  p95 %6.0f ms  censored %4.1f%%  timeout %6lld ms%s\n",
            "  first text", static_cast<long long>(t.first_token_samples), "", t.first_token_p95_ms,
            t.first_token_censored_share * 100, static_cast<long long>(t.first_token_timeout_ms),
            Frozen(t.first_token_frozen_since_ms).c_str());
      }
    }
    for (const auto& rt : r.result.routes) {
      if (rt.budget_usd_per_day <= 0) continue;
      std::printf("route %s: $%.4f of $%.4f spent today%s\n", rt.name.c_str(), rt.spent_today_usd,
                  rt.budget_usd_per_day,
                  rt.over_budget ? (", over budget: starting at " + rt.start_tier).c_str() : "");
    }
    return 0;
  }
  if (*ping) {
    s = client->Ping();
    if (!s.ok()) {
      std::cerr << "switchyard: " << s.message() << "\n";
      return 2;
    }
    std::cout << "pong\n";
  }
  return 0;
}
