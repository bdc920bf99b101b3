-- source_verdicts: the source's own SLA verdict of every stored ticket of a scope that carries one.
-- Returns ticket_id, source_sla_met (BOOLEAN), reopened (INTEGER, may be NULL), source, and
-- closed_unresolved (BOOLEAN): the ticket's resolution is a Closed event (a status with "clos" in it,
-- at resolved_at) and it has no status with "resolv" in it: resolved by the import's Closed rule
-- (docs/imports.md), which the source may not share.
-- Parameters: $everyone (BOOLEAN: every stored ticket), $clients (VARCHAR[]).
WITH judged AS (
    SELECT ticket_id, source_sla_met, reopened, source, resolved_at
    FROM tickets
    WHERE source_sla_met IS NOT NULL
      AND ($everyone OR list_contains($clients::VARCHAR[], client))
), closing AS (
    SELECT e.ticket_id,
           bool_or(lower(e.status) LIKE '%clos%' AND e.event_at = j.resolved_at)
               AND NOT bool_or(lower(e.status) LIKE '%resolv%') AS closed_unresolved
    FROM events e
    JOIN judged j ON j.ticket_id = e.ticket_id
    WHERE j.resolved_at IS NOT NULL
    GROUP BY e.ticket_id
)
SELECT j.ticket_id, j.source_sla_met, j.reopened, j.source, coalesce(c.closed_unresolved, false) AS closed_unresolved
FROM judged j
LEFT JOIN closing c ON c.ticket_id = j.ticket_id
