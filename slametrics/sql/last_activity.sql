-- last_activity: the latest moment the stored history of a scope records anything (creation, first
-- response, resolution or status event of its clients' tickets); NULL where it holds none.
-- Parameters: $everyone (BOOLEAN: every stored ticket), $clients (VARCHAR[]).
WITH mine AS (
    SELECT ticket_id, created_at, first_response_at, resolved_at
    FROM tickets WHERE $everyone OR list_contains($clients::VARCHAR[], client)
)
SELECT greatest(
    (SELECT max(created_at) FROM mine),
    (SELECT max(first_response_at) FROM mine),
    (SELECT max(resolved_at) FROM mine),
    (SELECT max(event_at) FROM events WHERE $everyone OR ticket_id IN (SELECT ticket_id FROM mine))
) AS last_activity
