#include "metrics/metrics.h"

#include <algorithm>

#include "metrics/prom_text.h"

namespace switchyard {
namespace {

template <size_t N, typename V>
void Counters(PromText& t, std::string_view name, std::string_view help,
              const std::array<std::string_view, N>& label_names,
              const std::map<std::array<std::string, N>, V>& values) {
  t.Family(name, "counter", help);
  for (const auto& [key, v] : values) {
    MetricLabels labels;
    for (size_t i = 0; i < N; ++i) labels.emplace_back(label_names[i], key[i]);
    t.Sample(name, labels, static_cast<double>(v));
  }
}

}  // namespace

void Metrics::Histogram::Observe(double seconds) {
  auto it = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds);
  if (it != kBuckets.end()) ++counts[static_cast<size_t>(it - kBuckets.begin())];
  ++count;
  sum += seconds;
}

void Metrics::OnAttempt(const std::string& route, const AttemptRecord& a) {
  if (!a.called) {
    ++skipped_[{a.model, a.outcome}];
    return;
  }
  ++calls_[{a.model, a.outcome}];
  if (a.cost_usd > 0) cost_[{route, a.model}] += a.cost_usd;
  call_seconds_[a.model].Observe(static_cast<double>(a.latency_ms) / 1000);
  if (a.stream && a.ttft_ms >= 0) {
    first_token_seconds_[a.model].Observe(static_cast<double>(a.ttft_ms) / 1000);
  }
}

void Metrics::OnRequest(const RequestRecord& r) {
  ++requests_[{r.route, r.outcome}];
  for (const AttemptRecord& a : r.attempts) OnAttempt(r.route, a);
  for (const FallbackRecord& f : r.fallbacks) {
    ++fallbacks_[{r.route, f.from_model, f.to_model, f.reason}];
  }
}

void Metrics::OnProbe(const std::string& route, const AttemptRecord& a) { OnAttempt(route, a); }

void Metrics::OnTransition(const BreakerTransitionRecord& t) {
  ++transitions_[{t.model, t.to_state}];
}

std::string Metrics::Render(const StatusResult& status) const {
  PromText t;
  Counters<2>(t, "switchyard_requests_total", "Requests answered, by route and outcome.",
              {"route", "outcome"}, requests_);
  Counters<2>(t, "switchyard_model_calls_total",
              "Model calls made (probes and calls kept running included), by model and outcome.",
              {"model", "outcome"}, calls_);
  Counters<2>(t, "switchyard_model_skips_total",
              "Tiers passed over without a call, by model and why.", {"model", "outcome"},
              skipped_);
  Counters<4>(t, "switchyard_fallbacks_total", "Moves from one model to the next within a request.",
              {"route", "from", "to", "reason"}, fallbacks_);
  Counters<2>(t, "switchyard_cost_usd_total", "Cost of model calls in USD, by route and model.",
              {"route", "model"}, cost_);
  Counters<2>(t, "switchyard_breaker_transitions_total",
              "Circuit breaker transitions, by model and the state entered.", {"model", "to"},
              transitions_);
  auto histograms = [&](std::string_view name, std::string_view help,
                        const std::map<std::string, Histogram>& by_model) {
    t.Family(name, "histogram", help);
    std::string bucket = std::string(name) + "_bucket";
    std::string sum = std::string(name) + "_sum";
    std::string count = std::string(name) + "_count";
    for (const auto& [model, h] : by_model) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.counts[i];
        std::string le = PromText::Number(kBuckets[i]);
        t.Sample(bucket, {{"model", model}, {"le", le}}, static_cast<double>(cumulative));
      }
      t.Sample(bucket, {{"model", model}, {"le", "+Inf"}}, static_cast<double>(h.count));
      t.Sample(sum, {{"model", model}}, h.sum);
      t.Sample(count, {{"model", model}}, static_cast<double>(h.count));
    }
  };
  histograms("switchyard_model_call_duration_seconds", "How long model calls ran, by model.",
             call_seconds_);
  histograms("switchyard_model_first_token_seconds",
             "Streamed model calls' time to their first text, by model.", first_token_seconds_);

  t.Family("switchyard_breaker_state", "gauge",
           "1 for the state each model's circuit breaker is in (closed, open, half_open).");
  for (const ModelStatus& m : status.models) {
    for (const char* state : {"closed", "open", "half_open"}) {
      t.Sample("switchyard_breaker_state", {{"model", m.name}, {"state", state}},
               m.breaker == state ? 1 : 0);
    }
  }
  t.Family("switchyard_timeout_seconds", "gauge",
           "The learned timeout in force, by model and task.");
  for (const ModelStatus& m : status.models) {
    for (const TaskStatus& k : m.tasks) {
      t.Sample("switchyard_timeout_seconds", {{"model", m.name}, {"task", k.task}},
               static_cast<double>(k.timeout_ms) / 1000);
    }
  }
  t.Family("switchyard_first_token_timeout_seconds", "gauge",
           "The learned time-to-first-text timeout of streams in force, by model and task.");
  for (const ModelStatus& m : status.models) {
    for (const TaskStatus& k : m.tasks) {
      t.Sample("switchyard_first_token_timeout_seconds", {{"model", m.name}, {"task", k.task}},
               static_cast<double>(k.first_token_timeout_ms) / 1000);
    }
  }
  t.Family("switchyard_timeout_frozen", "gauge",
           "1 while a learned timeout is frozen at its healthy value, by model and task.");
  for (const ModelStatus& m : status.models) {
    for (const TaskStatus& k : m.tasks) {
      t.Sample("switchyard_timeout_frozen", {{"model", m.name}, {"task", k.task}},
               k.frozen_since_ms > 0 ? 1 : 0);
    }
  }
  std::map<std::string, int64_t> by_provider;
  for (const ModelStatus& m : status.models) by_provider[m.provider] += m.in_flight;
  t.Family("switchyard_calls_in_flight", "gauge", "Model calls in progress, by provider.");
  for (const auto& [provider, n] : by_provider) {
    t.Sample("switchyard_calls_in_flight", {{"provider", provider}}, static_cast<double>(n));
  }
  t.Family("switchyard_requests_in_flight", "gauge", "Client requests not yet answered.");
  t.Sample("switchyard_requests_in_flight", {}, static_cast<double>(status.requests_in_flight));
  t.Family("switchyard_connections", "gauge", "Open client connections.");
  t.Sample("switchyard_connections", {}, static_cast<double>(status.connections));
  t.Family("switchyard_spent_today_usd", "gauge", "Each route's spend since 00:00 UTC.");
  for (const RouteStatus& r : status.routes) {
    t.Sample("switchyard_spent_today_usd", {{"route", r.name}}, r.spent_today_usd);
  }
  t.Family("switchyard_history_queued_rows", "gauge",
           "History rows not yet on file (queued, or in a write not yet committed).");
  t.Sample("switchyard_history_queued_rows", {}, static_cast<double>(status.history.queued_rows));
  t.Family("switchyard_history_written_rows_total", "counter",
           "History rows committed since the daemon started.");
  t.Sample("switchyard_history_written_rows_total", {},
           static_cast<double>(status.history.written_rows));
  t.Family("switchyard_history_dropped_rows_total", "counter",
           "History rows lost (queue full, or a failed write) since the daemon started.");
  t.Sample("switchyard_history_dropped_rows_total", {},
           static_cast<double>(status.history.dropped_rows));
  if (status.fleet.state != "off") {
    t.Family("switchyard_fleet_link_up", "gauge",
             "1 while the link to the fleet's Redis is up; 0 while this host is alone.");
    t.Sample("switchyard_fleet_link_up", {}, status.fleet.state == "up" ? 1 : 0);
    t.Family("switchyard_fleet_hosts", "gauge",
             "Hosts sharing latency summaries now, this one included.");
    t.Sample("switchyard_fleet_hosts", {}, static_cast<double>(status.fleet.hosts));
    t.Family("switchyard_fleet_verdicts_total", "counter",
             "Breaker verdicts this host published (sent) and applied from other hosts.");
    t.Sample("switchyard_fleet_verdicts_total", {{"direction", "sent"}},
             static_cast<double>(status.fleet.events_sent));
    t.Sample("switchyard_fleet_verdicts_total", {{"direction", "applied"}},
             static_cast<double>(status.fleet.events_applied));
  }
  t.Family("switchyard_uptime_seconds", "gauge", "Time since the daemon started.");
  t.Sample("switchyard_uptime_seconds", {}, static_cast<double>(status.uptime_ms) / 1000);
  return t.text();
}

}  // namespace switchyard
