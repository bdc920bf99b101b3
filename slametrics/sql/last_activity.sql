-- last_activity: the latest moment the stored history records anything (creation, first response,
-- resolution or status event); NULL for an empty database. Parameters: none.
SELECT greatest(
    (SELECT max(created_at) FROM tickets),
    (SELECT max(first_response_at) FROM tickets),
    (SELECT max(resolved_at) FROM tickets),
    (SELECT max(event_at) FROM events)
) AS last_activity
