-- store_tickets: replace stored tickets by ticket_id with the validated rows of one input.
-- Reads the registered frame new_tickets (canonical columns + source). Runs inside the ingest transaction.
DELETE FROM tickets WHERE ticket_id IN (SELECT ticket_id FROM new_tickets);
INSERT INTO tickets BY NAME
SELECT ticket_id, client, priority, created_at, first_response_at, resolved_at, category, team, agent,
       channel, csat, reopened, source_sla_met, source
FROM new_tickets;
