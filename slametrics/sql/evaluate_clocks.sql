-- evaluate_clocks: one row per clock (SLA_SPEC §3) as of $as_of.
-- Parameters: $as_of (epoch seconds, BIGINT).
-- Reads registered frames:
--   clock_defs(client, priority, contract, service_level, metric, target_seconds, cal, period_cal, pause_key)
--   pause_sets(pause_key, status)             statuses in which a clock does not run
--   cal_intervals(cal, start_s, end_s, cum_before)   working intervals, cumulative business seconds
--   cal_days(cal, day_start_s, period)        local midnights, for the period of created_at
-- Business time up to t is F(t) = cum_before + clamp(t - start_s, 0, end_s - start_s) over the last
-- interval starting at or before t (an ASOF join), so a span costs two look-ups.
WITH t AS (
    SELECT ticket_id, client, priority, team, category, agent, channel, csat,
           epoch(created_at)::BIGINT AS c,
           CASE WHEN epoch(first_response_at)::BIGINT <= $as_of THEN epoch(first_response_at)::BIGINT END AS fr,
           CASE WHEN epoch(resolved_at)::BIGINT <= $as_of THEN epoch(resolved_at)::BIGINT END AS rs
    FROM tickets
    WHERE epoch(created_at)::BIGINT <= $as_of
),
k AS (
    SELECT t.*, d.contract, d.service_level, d.metric, d.target_seconds, d.cal, d.period_cal, d.pause_key,
           CASE WHEN d.metric = 'first_response' THEN coalesce(t.fr, t.rs) ELSE t.rs END AS stop_s,
           coalesce(CASE WHEN d.metric = 'first_response' THEN coalesce(t.fr, t.rs) ELSE t.rs END, $as_of) AS end_s
    FROM t JOIN clock_defs d ON d.client = t.client AND d.priority = t.priority
),
f_start AS (
    SELECT k.*, i.cum_before + least(greatest(k.c - i.start_s, 0), i.end_s - i.start_s) AS fs
    FROM k ASOF JOIN cal_intervals i ON k.cal = i.cal AND k.c >= i.start_s
),
f_both AS (
    SELECT f.*, i.cum_before + least(greatest(f.end_s - i.start_s, 0), i.end_s - i.start_s) AS fe
    FROM f_start f ASOF JOIN cal_intervals i ON f.cal = i.cal AND f.end_s >= i.start_s
),
ev AS (
    SELECT e.ticket_id, greatest(epoch(e.event_at)::BIGINT, t.c) AS at_s, e.seq, e.status
    FROM events e JOIN t ON t.ticket_id = e.ticket_id
    WHERE epoch(e.event_at)::BIGINT <= $as_of
),
seg AS (
    -- status holds from its event to the next; of events at the same moment the last in the input holds
    SELECT ticket_id, status, at_s AS s,
           lead(at_s) OVER (PARTITION BY ticket_id ORDER BY at_s, seq) AS e
    FROM ev
),
part AS (
    SELECT k.ticket_id, k.service_level, k.cal, seg.s AS ps, least(coalesce(seg.e, k.end_s), k.end_s) AS pe
    FROM seg
    JOIN k ON k.ticket_id = seg.ticket_id
    JOIN pause_sets p ON p.pause_key = k.pause_key AND p.status = seg.status
    WHERE least(coalesce(seg.e, k.end_s), k.end_s) > seg.s
),
part_s AS (
    SELECT p.*, i.cum_before + least(greatest(p.ps - i.start_s, 0), i.end_s - i.start_s) AS fps
    FROM part p ASOF JOIN cal_intervals i ON p.cal = i.cal AND p.ps >= i.start_s
),
paused AS (
    SELECT p.ticket_id, p.service_level,
           sum(i.cum_before + least(greatest(p.pe - i.start_s, 0), i.end_s - i.start_s) - p.fps)::BIGINT AS paused_seconds
    FROM part_s p ASOF JOIN cal_intervals i ON p.cal = i.cal AND p.pe >= i.start_s
    GROUP BY ALL
),
clocks AS (
    SELECT f.*, coalesce(pz.paused_seconds, 0) AS paused_seconds,
           (f.fe - f.fs - coalesce(pz.paused_seconds, 0)) AS elapsed_seconds
    FROM f_both f LEFT JOIN paused pz ON pz.ticket_id = f.ticket_id AND pz.service_level = f.service_level
)
SELECT c.ticket_id, c.contract, c.service_level, c.metric, c.priority, d.period,
       c.target_seconds, c.elapsed_seconds, c.paused_seconds,
       CASE WHEN c.elapsed_seconds > c.target_seconds THEN 'breached'
            WHEN c.stop_s IS NOT NULL THEN 'met' ELSE 'pending' END AS outcome,
       CASE WHEN c.elapsed_seconds > c.target_seconds THEN c.elapsed_seconds - c.target_seconds ELSE 0 END AS overrun_seconds,
       c.client, c.team, c.category, c.agent, c.channel, c.csat,
       to_timestamp(c.c) AS created_at, to_timestamp(c.stop_s) AS stop_at, c.stop_s IS NULL AS running
FROM clocks c ASOF JOIN cal_days d ON d.cal = c.period_cal AND c.c >= d.day_start_s
