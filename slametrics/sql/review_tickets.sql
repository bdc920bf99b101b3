-- review_tickets: the tickets a period's review counts, one contract's clients: those created in the
-- period, and those created before it and still open at its start (resolved in it, or still open).
-- Returns ticket_id, priority, channel, category, team, csat, reopened, created_local, resolved_local
-- (TIMESTAMP in $tz; NULL where not resolved by $as_of), created_s, resolved_s (epoch seconds, NULL
-- likewise).
-- Parameters: $clients (VARCHAR[]: the contract's clients), $everyone, $scope_clients (the reader's
-- scope: SLA_SPEC access, never widened), $tz, $start, $end (epoch seconds: the period is [start, end)),
-- $as_of (epoch seconds: later data is ignored).
WITH t AS (
    SELECT ticket_id, priority, channel, category, team, csat, reopened, created_at,
           CASE WHEN epoch(resolved_at)::BIGINT <= $as_of THEN resolved_at END AS resolved_at
    FROM tickets
    WHERE list_contains($clients::VARCHAR[], client)
      AND ($everyone OR list_contains($scope_clients::VARCHAR[], client))
      AND epoch(created_at)::BIGINT <= $as_of
      AND epoch(created_at)::BIGINT < $end
)
SELECT ticket_id, priority, channel, category, team, csat, reopened,
       created_at AT TIME ZONE $tz AS created_local, resolved_at AT TIME ZONE $tz AS resolved_local,
       epoch(created_at)::BIGINT AS created_s, epoch(resolved_at)::BIGINT AS resolved_s
FROM t
WHERE epoch(created_at)::BIGINT >= $start OR resolved_at IS NULL OR epoch(resolved_at)::BIGINT >= $start
