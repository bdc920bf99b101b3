-- ticket_record: one stored ticket, where the scope may see it (no row otherwise: a ticket of another
-- client reads as one that does not exist).
-- Returns the ticket's stored columns with times as epoch seconds (created_s, first_response_s, resolved_s).
-- Parameters: $ticket_id (VARCHAR), $everyone (BOOLEAN), $clients (VARCHAR[]).
SELECT ticket_id, client, priority, category, team, agent, channel, csat, reopened, source_sla_met, source,
       epoch(created_at)::BIGINT AS created_s, epoch(first_response_at)::BIGINT AS first_response_s,
       epoch(resolved_at)::BIGINT AS resolved_s, tkey
FROM tickets
WHERE ticket_id = $ticket_id AND ($everyone OR list_contains($clients::VARCHAR[], client))
