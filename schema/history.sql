-- switchyard history: the schema of /var/lib/switchyard/history.db.
--
-- The daemon embeds this file at build time and applies it as numbered migrations at start:
-- each "-- migration: N" section runs once, in its own transaction, and PRAGMA user_version
-- records the last one applied. A file whose user_version is newer than the daemon knows is
-- refused. Sections are only ever appended; a released one is never edited.
--
-- Times are integer milliseconds since the Unix epoch (UTC); the *_view views add ISO-8601
-- text. API keys are never stored; prompt and answer texts only in fallback_answers, for
-- routes that opt in (routes.NAME.keep_fallback_answers), pruned on their own schedule.

-- migration: 1
CREATE TABLE requests (
  id            INTEGER PRIMARY KEY,  -- the daemon's request id, unique across restarts
  ts_ms         INTEGER NOT NULL,     -- when the request arrived
  route         TEXT    NOT NULL,
  task          TEXT    NOT NULL,
  served_by     TEXT,                 -- model that answered; NULL when none did
  outcome       TEXT    NOT NULL,     -- 'ok', or the error code returned to the client
  latency_ms    INTEGER NOT NULL,     -- arrival to answer
  attempts      INTEGER NOT NULL,     -- number of model calls made
  cost_usd      REAL    NOT NULL,     -- all attempts, failed and losing ones included
  input_tokens  INTEGER NOT NULL,     -- of the answer that was returned
  output_tokens INTEGER NOT NULL,
  truncated     INTEGER NOT NULL DEFAULT 0,  -- 1 if a prompt was shortened to fit a window
  error         TEXT                  -- the error message, when outcome is not 'ok'
);

-- One row per model call: these are the latency samples the timeouts are learned from.
CREATE TABLE attempts (
  request_id    INTEGER NOT NULL,     -- requests.id
  seq           INTEGER NOT NULL,     -- 0 for the first attempt of a request, 1, 2, ...
  ts_ms         INTEGER NOT NULL,     -- when the attempt started
  model         TEXT    NOT NULL,     -- configured model name
  task          TEXT    NOT NULL,
  latency_ms    INTEGER NOT NULL,     -- how long it ran (for a timeout: until it was cut off)
  outcome       TEXT    NOT NULL,     -- ok, timeout, server_error, ... (schema/protocol.md)
  reason        TEXT,                 -- human detail of a failure
  http_status   INTEGER NOT NULL DEFAULT 0,
  input_tokens  INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd      REAL    NOT NULL DEFAULT 0,
  timeout_ms    INTEGER NOT NULL DEFAULT 0   -- the timeout the attempt was given
);

-- One row each time a request moved from one model to the next.
CREATE TABLE fallbacks (
  request_id    INTEGER NOT NULL,
  ts_ms         INTEGER NOT NULL,     -- when the failed attempt ended
  from_model    TEXT    NOT NULL,
  to_model      TEXT    NOT NULL,
  reason        TEXT    NOT NULL,     -- the failed attempt's outcome: timeout, server_error, ...
  detail        TEXT                  -- its human reason
);

CREATE TABLE breaker_transitions (
  ts_ms         INTEGER NOT NULL,
  model         TEXT    NOT NULL,
  from_state    TEXT    NOT NULL,     -- closed, open, half_open
  to_state      TEXT    NOT NULL,
  reason        TEXT    NOT NULL,
  open_until_ms INTEGER               -- for to_state 'open': when it may half-open
);

CREATE INDEX requests_ts ON requests (ts_ms);
CREATE INDEX attempts_ts ON attempts (ts_ms);
CREATE INDEX attempts_request ON attempts (request_id);
CREATE INDEX fallbacks_ts ON fallbacks (ts_ms);
CREATE INDEX breaker_transitions_ts ON breaker_transitions (ts_ms);

-- migration: 2
-- What an operator asks first.
CREATE INDEX attempts_model_ts ON attempts (model, ts_ms);

CREATE VIEW requests_view AS
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ts_ms / 1000.0, 'unixepoch') AS ts, * FROM requests;
CREATE VIEW attempts_view AS
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ts_ms / 1000.0, 'unixepoch') AS ts, * FROM attempts;
CREATE VIEW fallbacks_view AS
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ts_ms / 1000.0, 'unixepoch') AS ts, * FROM fallbacks;
CREATE VIEW breaker_transitions_view AS
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ts_ms / 1000.0, 'unixepoch') AS ts, * FROM breaker_transitions;

-- Latency per model per hour, nearest-rank percentiles over every attempt (a timed-out
-- attempt counts with the time it ran).
CREATE VIEW latency_by_model_hour AS
  WITH ranked AS (
    SELECT model,
           strftime('%Y-%m-%dT%H:00Z', ts_ms / 1000, 'unixepoch') AS hour,
           latency_ms,
           outcome,
           ROW_NUMBER() OVER (PARTITION BY model, ts_ms / 3600000 ORDER BY latency_ms) AS rn,
           COUNT(*) OVER (PARTITION BY model, ts_ms / 3600000) AS n
      FROM attempts)
  SELECT model, hour, n AS attempts,
         SUM(outcome = 'ok') AS ok,
         SUM(outcome = 'timeout') AS timeouts,
         MIN(CASE WHEN rn >= 0.50 * n THEN latency_ms END) AS p50_ms,
         MIN(CASE WHEN rn >= 0.95 * n THEN latency_ms END) AS p95_ms,
         MAX(latency_ms) AS max_ms
    FROM ranked
   GROUP BY model, hour
   ORDER BY hour, model;

CREATE VIEW fallback_rate_by_route_hour AS
  SELECT route,
         strftime('%Y-%m-%dT%H:00Z', ts_ms / 1000, 'unixepoch') AS hour,
         COUNT(*) AS requests,
         SUM(attempts > 1) AS fell_back,
         SUM(outcome <> 'ok') AS failed,
         ROUND(1.0 * SUM(attempts > 1) / COUNT(*), 4) AS fallback_rate
    FROM requests
   GROUP BY route, ts_ms / 3600000
   ORDER BY hour, route;

CREATE VIEW cost_by_model_day AS
  SELECT model,
         strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch') AS day,
         COUNT(*) AS attempts,
         SUM(input_tokens) AS input_tokens,
         SUM(output_tokens) AS output_tokens,
         ROUND(SUM(cost_usd), 6) AS cost_usd
    FROM attempts
   GROUP BY model, ts_ms / 86400000
   ORDER BY day, model;

-- migration: 3
-- Streams, context windows and budgets.
ALTER TABLE attempts ADD COLUMN stream INTEGER NOT NULL DEFAULT 0;    -- 1: a streamed call
ALTER TABLE attempts ADD COLUMN ttft_ms INTEGER;                       -- streams: time to the first text; NULL if none came
ALTER TABLE attempts ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;  -- 1: the prompt sent was shortened to fit the window
ALTER TABLE attempts ADD COLUMN tokens_before INTEGER NOT NULL DEFAULT 0;  -- estimated prompt tokens as the client sent it
ALTER TABLE attempts ADD COLUMN tokens_after INTEGER NOT NULL DEFAULT 0;   -- ... and as sent to this model
-- The uncalibrated estimate of the prompt sent: set against input_tokens it calibrates the
-- estimate per model, and rebuilds that calibration at start.
ALTER TABLE attempts ADD COLUMN est_tokens INTEGER NOT NULL DEFAULT 0;

-- What each route's requests cost per UTC day (day = ts_ms / 86400000), kept as the writer
-- commits them, so a restart reads today's spend (for budgets) in one row per route instead
-- of summing the day's requests.
CREATE TABLE spend_by_route_day (
  route    TEXT    NOT NULL,
  day      INTEGER NOT NULL,
  cost_usd REAL    NOT NULL,
  PRIMARY KEY (route, day)
);

-- Spend per model and route per day: every attempt, failed and losing ones included.
CREATE VIEW cost_by_model_route_day AS
  SELECT a.model,
         r.route,
         strftime('%Y-%m-%d', a.ts_ms / 1000, 'unixepoch') AS day,
         COUNT(*) AS attempts,
         SUM(a.input_tokens) AS input_tokens,
         SUM(a.output_tokens) AS output_tokens,
         ROUND(SUM(a.cost_usd), 6) AS cost_usd
    FROM attempts a JOIN requests r ON r.id = a.request_id
   GROUP BY a.model, r.route, a.ts_ms / 86400000
   ORDER BY day, r.route, a.model;

-- migration: 4
-- A tier passed over without a call (its breaker open, its provider full, a prompt too
-- long for its window) keeps its attempts row, since it explains the fallback that
-- followed; `called` tells those rows from model calls, and only calls are latency samples.
ALTER TABLE attempts ADD COLUMN called INTEGER NOT NULL DEFAULT 1;  -- 1: a model call; 0: a tier skipped without one
-- Rows from before this column: a skip is the only attempt given no timeout.
UPDATE attempts SET called = 0 WHERE timeout_ms = 0;
-- requests.attempts counts model calls only (it counted skips too before this migration,
-- which the backfill below corrects); `skipped` counts the tiers passed over.
ALTER TABLE requests ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
UPDATE requests
   SET skipped = s.n, attempts = requests.attempts - s.n
  FROM (SELECT request_id, COUNT(*) AS n FROM attempts WHERE called = 0 GROUP BY request_id) AS s
 WHERE s.request_id = requests.id;

-- The views that count calls or report latency, again, over calls only.
DROP VIEW latency_by_model_hour;
CREATE VIEW latency_by_model_hour AS
  WITH ranked AS (
    SELECT model,
           strftime('%Y-%m-%dT%H:00Z', ts_ms / 1000, 'unixepoch') AS hour,
           latency_ms,
           outcome,
           ROW_NUMBER() OVER (PARTITION BY model, ts_ms / 3600000 ORDER BY latency_ms) AS rn,
           COUNT(*) OVER (PARTITION BY model, ts_ms / 3600000) AS n
      FROM attempts
     WHERE called = 1)
  SELECT model, hour, n AS attempts,
         SUM(outcome = 'ok') AS ok,
         SUM(outcome = 'timeout') AS timeouts,
         MIN(CASE WHEN rn >= 0.50 * n THEN latency_ms END) AS p50_ms,
         MIN(CASE WHEN rn >= 0.95 * n THEN latency_ms END) AS p95_ms,
         MAX(latency_ms) AS max_ms
    FROM ranked
   GROUP BY model, hour
   ORDER BY hour, model;

-- fell_back: the request moved past its first tier, by a failed call or a skip.
DROP VIEW fallback_rate_by_route_hour;
CREATE VIEW fallback_rate_by_route_hour AS
  SELECT route,
         strftime('%Y-%m-%dT%H:00Z', ts_ms / 1000, 'unixepoch') AS hour,
         COUNT(*) AS requests,
         SUM(attempts + skipped > 1) AS fell_back,
         SUM(outcome <> 'ok') AS failed,
         ROUND(1.0 * SUM(attempts + skipped > 1) / COUNT(*), 4) AS fallback_rate
    FROM requests
   GROUP BY route, ts_ms / 3600000
   ORDER BY hour, route;

DROP VIEW cost_by_model_day;
CREATE VIEW cost_by_model_day AS
  SELECT model,
         strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch') AS day,
         SUM(called) AS attempts,
         SUM(input_tokens) AS input_tokens,
         SUM(output_tokens) AS output_tokens,
         ROUND(SUM(cost_usd), 6) AS cost_usd
    FROM attempts
   GROUP BY model, ts_ms / 86400000
   ORDER BY day, model;

DROP VIEW cost_by_model_route_day;
CREATE VIEW cost_by_model_route_day AS
  SELECT a.model,
         r.route,
         strftime('%Y-%m-%d', a.ts_ms / 1000, 'unixepoch') AS day,
         SUM(a.called) AS attempts,
         SUM(a.input_tokens) AS input_tokens,
         SUM(a.output_tokens) AS output_tokens,
         ROUND(SUM(a.cost_usd), 6) AS cost_usd
    FROM attempts a JOIN requests r ON r.id = a.request_id
   GROUP BY a.model, r.route, a.ts_ms / 86400000
   ORDER BY day, r.route, a.model;

-- migration: 5
-- A half-open breaker's probe is a copy of a request sent to the probed model while the
-- request itself goes on to the next tier; nobody waits on its answer. Its row belongs to
-- the request that carried it, with seq -1, and is written when the probe ends.
ALTER TABLE attempts ADD COLUMN probe INTEGER NOT NULL DEFAULT 0;      -- 1: nobody waited on it
-- The last tier that could be called is not cut off at its timeout: it runs on to
-- timeout.ceiling_ms or the request's deadline. timeout_ms stays the learned timeout.
ALTER TABLE attempts ADD COLUMN last_tier INTEGER NOT NULL DEFAULT 0;  -- 1: kept past its timeout

-- migration: 6
-- A call cut off at its learned timeout may be kept running, nobody waiting, to learn its
-- true latency: its row has probe = 1 and the request, model and ts_ms of the cut-off's
-- row. Probe rows are few; this finds them when the daemon starts.
CREATE INDEX attempts_probe ON attempts (request_id) WHERE probe = 1;

-- migration: 7
-- What a fallback served, kept for review on routes with keep_fallback_answers = true (off by
-- default): a request answered by a model other than its route's first tier (after a
-- failure or a skip, an over-budget start, or a hedge the lower tier won), the prompt as sent
-- to the model that answered (after any truncation for it) and that answer. It holds user
-- text, so it is pruned on its own, after history.fallback_answers_retention_days (7).
CREATE TABLE fallback_answers (
  request_id    INTEGER NOT NULL,     -- requests.id
  ts_ms         INTEGER NOT NULL,     -- when the request started
  route         TEXT    NOT NULL,
  task          TEXT    NOT NULL,
  served_by     TEXT    NOT NULL,     -- the model that answered
  first_tier    TEXT    NOT NULL,     -- the route's first tier, which did not
  reason        TEXT    NOT NULL,     -- why not: its attempt's outcome and reason, or over_budget
  messages_json TEXT    NOT NULL,     -- [{"role": ..., "content": ...}] as sent to served_by
  truncated     INTEGER NOT NULL DEFAULT 0,  -- 1: shortened to fit served_by's window
  content       TEXT    NOT NULL,     -- the answer
  finish_reason TEXT    NOT NULL
);
CREATE INDEX fallback_answers_ts ON fallback_answers (ts_ms);
CREATE VIEW fallback_answers_view AS
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ts_ms / 1000.0, 'unixepoch') AS ts, * FROM fallback_answers;

-- migration: 8
-- Tools: how many a request offered and how many calls the answer it got held; how many
-- calls each attempt's answer held (an attempt failed as invalid_tool_call has them too);
-- and, for kept fallback answers, the calls as JSON. messages_json holds each message's
-- parts (images as their URLs), tool calls and tool_call_id from this version on.
ALTER TABLE requests ADD COLUMN tools_offered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN tool_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN tool_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fallback_answers ADD COLUMN tool_calls_json TEXT;  -- [{"id", "name", "arguments"}]; NULL: none
