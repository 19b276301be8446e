#include "store/history_loader.h"

#include "store/sql.h"

namespace switchyard {

Status LoadAttempts(sqlite3* db, int64_t since_wall_ms,
                    const std::function<void(const LoadedAttempt&)>& fn) {
  // Attempts run at most an hour, so starts an hour before `since` cover every end after it.
  // Answers and timeouts are latency samples; for streams the sample is the time to the
  // first text, censored when none came before the call timed out. A censored sample is at
  // its timeout (resilience/timeout_policy.h), however long the call then ran on. A probe
  // that did not answer is no sample, as when it ended. A cut-off call kept running to learn
  // its latency (router/tail_watch.h) is a row with probe = 1 beside its cut-off's, same
  // request, model and start: when it answered or ran out, its row is the sample and the
  // cut-off's is none; when it failed, the cut-off's is.
  return ForEachRow(
      db,
      "SELECT ts_ms + latency_ms, model, task, "
      "CASE WHEN outcome = 'timeout' AND ttft_ms IS NULL AND timeout_ms > 0 "
      "THEN MIN(latency_ms, timeout_ms) ELSE COALESCE(ttft_ms, latency_ms) END, "
      "outcome = 'timeout' AND ttft_ms IS NULL, stream FROM attempts a "
      "WHERE ts_ms >= ?1 - 3600000 AND (outcome IN ('ok', 'timeout') OR ttft_ms IS NOT NULL) "
      "AND CASE WHEN outcome = 'ok' OR ttft_ms IS NOT NULL THEN 1 "
      "WHEN probe = 1 THEN EXISTS (SELECT 1 FROM attempts c WHERE c.request_id = a.request_id "
      "AND c.model = a.model AND c.ts_ms = a.ts_ms AND c.probe = 0 AND c.outcome = 'timeout') "
      "ELSE NOT EXISTS (SELECT 1 FROM attempts t WHERE t.probe = 1 "
      "AND t.request_id = a.request_id AND t.model = a.model AND t.ts_ms = a.ts_ms "
      "AND t.outcome IN ('ok', 'timeout')) END "
      "ORDER BY ts_ms",
      {since_wall_ms},
      [&](const Row& r) {
        LoadedAttempt a;
        a.end_ms = r.Int(0);
        if (a.end_ms < since_wall_ms) return;
        a.model = r.Text(1);
        a.task = r.Text(2);
        a.latency_ms = r.Int(3);
        a.censored = r.Int(4) != 0;
        a.first_token = r.Int(5) != 0;
        fn(a);
      },
      "reading attempts");
}

Status LoadCalibration(sqlite3* db, int64_t since_wall_ms,
                       const std::function<void(const std::string&, int64_t, int64_t)>& fn) {
  // Only answers: a cancelled or timed-out call's input tokens are our own estimate. The
  // newest 20,000 attempts are plenty to calibrate on and cost a bounded read at start,
  // whatever the history holds.
  return ForEachRow(
      db,
      "SELECT model, SUM(est_tokens), SUM(input_tokens) FROM "
      "(SELECT model, est_tokens, input_tokens, outcome FROM attempts WHERE ts_ms >= ?1 "
      "ORDER BY ts_ms DESC LIMIT 20000) "
      "WHERE outcome = 'ok' AND est_tokens > 0 AND input_tokens > 0 GROUP BY model",
      {since_wall_ms}, [&](const Row& r) { fn(r.Text(0), r.Int(1), r.Int(2)); },
      "reading calibration");
}

Status LoadSpend(sqlite3* db, int64_t day_wall_ms,
                 const std::function<void(const std::string&, double)>& fn) {
  return ForEachRow(
      db, "SELECT route, cost_usd FROM spend_by_route_day WHERE day = ?1 / 86400000", {day_wall_ms},
      [&](const Row& r) { fn(r.Text(0), r.Double(1)); }, "reading spend");
}

Status LoadBreakerTransitions(sqlite3* db, int64_t since_wall_ms,
                              const std::function<void(const BreakerTransitionRecord&)>& fn) {
  return ForEachRow(
      db,
      "SELECT ts_ms, model, from_state, to_state, reason, COALESCE(open_until_ms, 0) "
      "FROM breaker_transitions WHERE ts_ms >= ?1 ORDER BY ts_ms",
      {since_wall_ms},
      [&](const Row& r) {
        BreakerTransitionRecord t;
        t.ts_ms = r.Int(0);
        t.model = r.Text(1);
        t.from_state = r.Text(2);
        t.to_state = r.Text(3);
        t.reason = r.Text(4);
        t.open_until_ms = r.Int(5);
        fn(t);
      },
      "reading breaker transitions");
}

}  // namespace switchyard
