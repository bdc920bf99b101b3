-- store_tickets: replace stored tickets by ticket_id with the validated rows of one input.
-- Reads the registered frame new_tickets (canonical columns + source + tkey: a stored ticket keeps its
-- number). Runs inside the ingest transaction, after the status spans of these tickets were deleted.
DELETE FROM tickets WHERE ticket_id IN (SELECT ticket_id FROM new_tickets);
INSERT INTO tickets BY NAME
SELECT ticket_id, client, priority, created_at, first_response_at, resolved_at, category, team, agent,
       channel, csat, reopened, source_sla_met, source, tkey
FROM new_tickets;
