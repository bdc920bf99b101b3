-- current_statuses: the status each ticket still open at $as_of holds at that moment, for slametrics.watch
-- (a running clock is paused now where this status pauses it).
-- Returns ticket_id, status: one row per open ticket of the scope's clients with a status span holding
-- at $as_of (a ticket without events has no row: its status is unknown and its clocks run).
-- Parameters: $as_of (epoch seconds), $clients (VARCHAR[]: the clients the scope's contracts cover).
SELECT t.ticket_id, s.status
FROM status_spans s
JOIN tickets t USING (tkey)
WHERE s.start_s <= $as_of
  AND (s.end_s IS NULL OR s.end_s > $as_of)
  AND list_contains($clients::VARCHAR[], s.client)
  AND t.created_at <= to_timestamp($as_of)
  AND (t.resolved_at IS NULL OR t.resolved_at > to_timestamp($as_of))
