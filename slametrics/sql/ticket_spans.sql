-- ticket_spans: the status spans of one stored ticket (as the clocks read them: sql/store_spans.sql),
-- in time order, with the events they come from; none where the scope may not see the ticket.
-- Returns status, start_s, end_s (NULL: the ticket's last status, held since).
-- Parameters: $tkey (BIGINT), $everyone (BOOLEAN), $clients (VARCHAR[]).
SELECT status, start_s, end_s
FROM status_spans
WHERE tkey = $tkey AND ($everyone OR list_contains($clients::VARCHAR[], client))
ORDER BY start_s, coalesce(end_s, 9223372036854775807)
