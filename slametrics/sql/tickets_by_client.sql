-- tickets_by_client: what the database holds of a scope, per client and priority.
-- Returns client, priority, tickets, first_created, last_created (TIMESTAMPTZ, UTC).
-- Parameters: $everyone (BOOLEAN: every stored client), $clients (VARCHAR[]).
SELECT client, priority, count(*) AS tickets, min(created_at) AS first_created, max(created_at) AS last_created
FROM tickets
WHERE $everyone OR list_contains($clients::VARCHAR[], client)
GROUP BY ALL
ORDER BY client, priority
