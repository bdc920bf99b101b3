-- tickets_by_client: what the database holds, per client and priority.
-- Returns client, priority, tickets, first_created, last_created (TIMESTAMPTZ, UTC). Parameters: none.
SELECT client, priority, count(*) AS tickets, min(created_at) AS first_created, max(created_at) AS last_created
FROM tickets
GROUP BY ALL
ORDER BY client, priority
