-- store_spans: derive the status spans (SLA_SPEC §1.2) of some stored tickets from their stored events.
-- A status holds from its event, moved to created_at where earlier, until the ticket's next event;
-- of events at the same moment the last in the input (highest seq) holds: the others get empty spans.
-- Parameters: $all (BOOLEAN: every ticket; otherwise those in the registered frame span_tickets(ticket_id)).
-- The spans of those tickets must have been deleted first. Runs inside the ingest transaction.
INSERT INTO status_spans BY NAME
SELECT t.tkey, e.status, greatest(epoch(e.event_at), epoch(t.created_at))::BIGINT AS start_s,
       lead(greatest(epoch(e.event_at), epoch(t.created_at))::BIGINT)
           OVER (PARTITION BY t.tkey ORDER BY greatest(e.event_at, t.created_at), e.seq) AS end_s,
       t.client
FROM events e JOIN tickets t ON t.ticket_id = e.ticket_id
WHERE $all OR e.ticket_id IN (SELECT ticket_id FROM span_tickets)
