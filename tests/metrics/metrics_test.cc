#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include "metrics/metered_store.h"
#include "metrics/prom_text.h"

namespace switchyard {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

RequestRecord FellBack() {
  RequestRecord r;
  r.route = "chat";
  r.outcome = "ok";
  AttemptRecord slow;
  slow.model = "gpt-4o";
  slow.outcome = "timeout";
  slow.latency_ms = 986;
  AttemptRecord answer;
  answer.model = "gpt-4o-mini";
  answer.outcome = "ok";
  answer.latency_ms = 300;
  answer.cost_usd = 0.25;
  answer.stream = true;
  answer.ttft_ms = 40;
  r.attempts = {slow, answer};
  r.fallbacks = {{0, "gpt-4o", "gpt-4o-mini", "timeout", ""}};
  return r;
}

TEST(Metrics, CountersAndHistogramsFromRequests) {
  Metrics m;
  m.OnRequest(FellBack());
  m.OnRequest(FellBack());
  RequestRecord skipped = FellBack();
  skipped.attempts[0].called = false;
  skipped.attempts[0].outcome = "breaker_open";
  skipped.attempts[0].latency_ms = 0;
  skipped.fallbacks[0].reason = "breaker_open";
  m.OnRequest(skipped);
  std::string t = m.Render(StatusResult{});
  EXPECT_TRUE(Has(t, "# TYPE switchyard_requests_total counter")) << t;
  EXPECT_TRUE(Has(t, R"(switchyard_requests_total{route="chat",outcome="ok"} 3)")) << t;
  EXPECT_TRUE(Has(t, R"(switchyard_model_calls_total{model="gpt-4o",outcome="timeout"} 2)"));
  EXPECT_TRUE(Has(t, R"(switchyard_model_calls_total{model="gpt-4o-mini",outcome="ok"} 3)"));
  EXPECT_TRUE(Has(t, R"(switchyard_model_skips_total{model="gpt-4o",outcome="breaker_open"} 1)"));
  EXPECT_TRUE(Has(
      t,
      R"(switchyard_fallbacks_total{route="chat",from="gpt-4o",to="gpt-4o-mini",reason="timeout"} 2)"));
  EXPECT_TRUE(Has(t, R"(switchyard_cost_usd_total{route="chat",model="gpt-4o-mini"} 0.75)"));
  // Cumulative buckets: 986 ms is above 0.5 s and within 1 s.
  EXPECT_TRUE(
      Has(t, R"(switchyard_model_call_duration_seconds_bucket{model="gpt-4o",le="0.5"} 0)"));
  EXPECT_TRUE(Has(t, R"(switchyard_model_call_duration_seconds_bucket{model="gpt-4o",le="1"} 2)"));
  EXPECT_TRUE(
      Has(t, R"(switchyard_model_call_duration_seconds_bucket{model="gpt-4o",le="+Inf"} 2)"));
  EXPECT_TRUE(Has(t, R"(switchyard_model_call_duration_seconds_sum{model="gpt-4o"} 1.972)"));
  EXPECT_TRUE(Has(t, R"(switchyard_model_call_duration_seconds_count{model="gpt-4o"} 2)"));
  EXPECT_TRUE(
      Has(t, R"(switchyard_model_first_token_seconds_bucket{model="gpt-4o-mini",le="0.05"} 3)"));
  EXPECT_EQ(t.find("first_token_seconds_count{model=\"gpt-4o\"}"), std::string::npos);
}

TEST(Metrics, GaugesComeFromTheStatus) {
  StatusResult s;
  s.requests_in_flight = 4;
  ModelStatus a;
  a.name = "gpt-4o";
  a.provider = "openai";
  a.breaker = "open";
  a.in_flight = 2;
  TaskStatus k;
  k.task = "summarize";
  k.timeout_ms = 986;
  k.first_token_timeout_ms = 300;
  k.frozen_since_ms = 1700000000000;
  a.tasks = {k};
  ModelStatus b = a;
  b.name = "gpt-4o-mini";
  b.breaker = "closed";
  b.in_flight = 3;
  b.tasks.clear();
  s.models = {a, b};
  s.history.queued_rows = 7;
  s.history.dropped_rows = 1;
  std::string t = Metrics().Render(s);
  EXPECT_TRUE(Has(t, R"(switchyard_breaker_state{model="gpt-4o",state="open"} 1)")) << t;
  EXPECT_TRUE(Has(t, R"(switchyard_breaker_state{model="gpt-4o",state="closed"} 0)"));
  EXPECT_TRUE(Has(t, R"(switchyard_breaker_state{model="gpt-4o-mini",state="closed"} 1)"));
  EXPECT_TRUE(Has(t, R"(switchyard_timeout_seconds{model="gpt-4o",task="summarize"} 0.986)"));
  EXPECT_TRUE(
      Has(t, R"(switchyard_first_token_timeout_seconds{model="gpt-4o",task="summarize"} 0.3)"));
  EXPECT_TRUE(Has(t, R"(switchyard_timeout_frozen{model="gpt-4o",task="summarize"} 1)"));
  EXPECT_TRUE(Has(t, R"(switchyard_calls_in_flight{provider="openai"} 5)"));
  EXPECT_TRUE(Has(t, "switchyard_requests_in_flight 4"));
  EXPECT_TRUE(Has(t, "switchyard_history_queued_rows 7"));
  EXPECT_TRUE(Has(t, "switchyard_history_dropped_rows_total 1"));
  EXPECT_EQ(t.find("switchyard_fleet"), std::string::npos);  // no fleet configured
  s.fleet.state = "down";
  s.fleet.hosts = 3;
  s.fleet.events_sent = 2;
  s.fleet.events_applied = 5;
  t = Metrics().Render(s);
  EXPECT_TRUE(Has(t, "switchyard_fleet_link_up 0"));
  EXPECT_TRUE(Has(t, "switchyard_fleet_hosts 3"));
  EXPECT_TRUE(Has(t, R"(switchyard_fleet_verdicts_total{direction="sent"} 2)"));
  EXPECT_TRUE(Has(t, R"(switchyard_fleet_verdicts_total{direction="applied"} 5)"));
}

TEST(Metrics, LabelValuesAreEscaped) {
  PromText t;
  t.Family("x_total", "counter", "a \\ help\nline");
  t.Sample("x_total", {{"task", "say \"hi\"\\\n"}}, 1);
  EXPECT_EQ(t.text(),
            "# HELP x_total a \\\\ help\\nline\n# TYPE x_total counter\n"
            "x_total{task=\"say \\\"hi\\\"\\\\\\n\"} 1\n");
  EXPECT_EQ(PromText::Number(0.1), "0.1");
  EXPECT_EQ(PromText::Number(1e20), "1e+20");
  EXPECT_EQ(PromText::Number(-3), "-3");
}

TEST(Metrics, TheMeteredStoreCountsWhatGoesToTheHistoryAndWorksWithout) {
  Metrics m;
  MeteredStore store(nullptr, &m);
  store.RecordRequest(FellBack());
  AttemptRecord probe = FellBack().attempts[0];
  probe.outcome = "ok";
  probe.latency_ms = 600;
  probe.probe = true;
  store.RecordProbe(1, "chat", "default", AttemptRecord(probe));
  store.RecordBreakerTransition({0, "gpt-4o", "closed", "open", "10 calls in a row timed out", 5});
  std::string t = m.Render(StatusResult{});
  EXPECT_TRUE(Has(t, R"(switchyard_model_calls_total{model="gpt-4o",outcome="ok"} 1)")) << t;
  EXPECT_TRUE(Has(t, R"(switchyard_breaker_transitions_total{model="gpt-4o",to="open"} 1)"));
  EXPECT_EQ(store.Stats().written_rows, 0);
}

}  // namespace
}  // namespace switchyard
