-- pause_spans: the stored status spans that can pause a clock as of $as_of, for slametrics.clock.
-- Returns tkey, status (the 1-based position of the span's status in $statuses), start_s, end_s (epoch
-- seconds; end_s NULL for a ticket's last status) of the spans whose status is in $statuses, that
-- start before $as_of (a later one pauses nothing) and that belong to a ticket of the scope's clients
-- (each span carries its ticket's client).
-- Parameters: $as_of (epoch seconds), $statuses (VARCHAR[]: every status that pauses some clock),
-- $clients (VARCHAR[]: the clients the scope's contracts cover, as evaluate_clocks takes them), $tkeys
-- (BIGINT[] or NULL: only the spans of these tickets, those a refresh reads again).
SELECT tkey, list_position($statuses::VARCHAR[], status) AS status, start_s, end_s
FROM status_spans
WHERE start_s < $as_of
  AND list_contains($statuses::VARCHAR[], status)
  AND list_contains($clients::VARCHAR[], client)
  AND ($tkeys::BIGINT[] IS NULL OR tkey IN (SELECT unnest($tkeys::BIGINT[])))  -- a refresh: its tickets' only
