-- ticket_volume: tickets created and resolved per period for one contract's clients, with ratings.
-- Returns one row per period start (local time of $tz, truncated to $grain) in which a ticket was
-- created or resolved: period_start (TIMESTAMP, local), created, resolved, rated (tickets created in
-- the period with a csat), csat (their average rating, NULL where none).
-- Parameters: $clients (VARCHAR[]: the contract's clients, a contract of the reader's scope), $tz (IANA
-- name), $grain ('month' or 'week'), $as_of (epoch seconds: later data is ignored), $priorities, $teams,
-- $categories, $channels (VARCHAR[]; NULL = all).
WITH t AS (
    SELECT created_at,
           CASE WHEN epoch(resolved_at)::BIGINT <= $as_of THEN resolved_at END AS resolved_at,
           csat
    FROM tickets
    WHERE list_contains($clients::VARCHAR[], client)
      AND epoch(created_at)::BIGINT <= $as_of
      AND ($priorities::VARCHAR[] IS NULL OR list_contains($priorities::VARCHAR[], priority))
      AND ($teams::VARCHAR[] IS NULL OR list_contains($teams::VARCHAR[], team))
      AND ($categories::VARCHAR[] IS NULL OR list_contains($categories::VARCHAR[], category))
      AND ($channels::VARCHAR[] IS NULL OR list_contains($channels::VARCHAR[], channel))
),
made AS (
    SELECT date_trunc($grain, created_at AT TIME ZONE $tz) AS period_start, count(*) AS created,
           count(csat) AS rated, avg(csat) AS csat
    FROM t GROUP BY ALL
),
done AS (
    SELECT date_trunc($grain, resolved_at AT TIME ZONE $tz) AS period_start, count(*) AS resolved
    FROM t WHERE resolved_at IS NOT NULL GROUP BY ALL
)
SELECT period_start, coalesce(made.created, 0) AS created, coalesce(done.resolved, 0) AS resolved,
       coalesce(made.rated, 0) AS rated, made.csat
FROM made FULL JOIN done USING (period_start)
ORDER BY period_start
