-- store_events: the events of an input replace all stored events of the tickets it carries events for.
-- Reads the registered frame new_events (ticket_id, seq = input line, event_at, status).
DELETE FROM events WHERE ticket_id IN (SELECT DISTINCT ticket_id FROM new_events);
INSERT INTO events BY NAME SELECT ticket_id, seq, event_at, status FROM new_events;
