-- pause_spans: the stored status spans that can pause a clock as of $as_of, for slametrics.clock.
-- Returns tkey, status (the 1-based position of the span's status in $statuses), start_s, end_s (epoch
-- seconds; end_s NULL for a ticket's last status) of the spans whose status is in $statuses and that
-- start before $as_of (a later one pauses nothing).
-- Parameters: $as_of (epoch seconds), $statuses (VARCHAR[]: every status that pauses some clock).
SELECT tkey, list_position($statuses::VARCHAR[], status) AS status, start_s, end_s
FROM status_spans
WHERE start_s < $as_of
  AND status IN (SELECT unnest($statuses::VARCHAR[]))
