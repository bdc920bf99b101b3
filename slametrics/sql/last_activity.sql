-- last_activity: the latest moment the stored history of a scope records anything (creation, first
-- response, resolution or status event of its clients' tickets); NULL where it holds none.
-- Parameters: $everyone (BOOLEAN: every stored ticket), $clients (VARCHAR[]).
-- The events of every ticket and those of the scope's clients are two branches, one of which reads
-- nothing: a CTE read four times and a semi-join evaluated even for everyone took 3-5 s at 10M tickets.
-- A ticket id is stored once, so the join gives each event once (at 10M faster than IN (SELECT ...)).
SELECT greatest(
    (SELECT greatest(max(created_at), max(first_response_at), max(resolved_at))
     FROM tickets WHERE $everyone OR list_contains($clients::VARCHAR[], client)),
    (SELECT max(event_at) FROM events WHERE $everyone),
    (SELECT max(e.event_at) FROM events e JOIN tickets t ON t.ticket_id = e.ticket_id
     WHERE NOT $everyone AND list_contains($clients::VARCHAR[], t.client))
) AS last_activity
