-- source_verdicts: the source's own SLA verdict of every stored ticket of a scope that carries one.
-- Returns ticket_id, source_sla_met (BOOLEAN), reopened (INTEGER, may be NULL), source.
-- Parameters: $everyone (BOOLEAN: every stored ticket), $clients (VARCHAR[]).
SELECT ticket_id, source_sla_met, reopened, source
FROM tickets
WHERE source_sla_met IS NOT NULL
  AND ($everyone OR list_contains($clients::VARCHAR[], client))
