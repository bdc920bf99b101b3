-- schema: the stored ticket history (timestamps in UTC), its rejected rows, an ingest log, the tickets
-- each ingest wrote, and the schema version.
-- status_spans is derived from events at ingest (sql/store_spans.sql): the clocks read pauses there.
-- Parameters: none. Idempotent.
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id VARCHAR NOT NULL,      -- unique: ingest replaces a stored ticket (no index: it would cost
                                     -- a third of the time and memory of a 10M-ticket ingest)
    client VARCHAR NOT NULL,
    priority VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    first_response_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    category VARCHAR,
    team VARCHAR,
    agent VARCHAR,
    channel VARCHAR,
    csat DOUBLE,
    reopened INTEGER,
    source_sla_met BOOLEAN,
    source VARCHAR,
    tkey BIGINT                      -- a number per stored ticket, new on every (re)ingest: status_spans refer to it
);
CREATE TABLE IF NOT EXISTS events (
    ticket_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    event_at TIMESTAMPTZ NOT NULL,   -- the input column `at`
    status VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS status_spans (
    tkey BIGINT NOT NULL,            -- the ticket (tickets.tkey)
    status VARCHAR NOT NULL,         -- held from start_s until end_s
    start_s BIGINT NOT NULL,         -- epoch seconds of its event, or of created_at where the event is earlier
    end_s BIGINT,                    -- start of the ticket's next span; NULL for its last
    client VARCHAR                   -- the ticket's client: reads bind a scope's clients without a join
);
CREATE TABLE IF NOT EXISTS rejects (
    source VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    ticket_id VARCHAR,
    reason VARCHAR NOT NULL,
    row_json VARCHAR
);
CREATE TABLE IF NOT EXISTS ingests (
    source VARCHAR NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL,
    rows_read BIGINT,
    stored BIGINT,
    rejected BIGINT,
    events_read BIGINT,
    events_stored BIGINT,
    events_rejected BIGINT
);
CREATE TABLE IF NOT EXISTS ticket_changes (
    ingest BIGINT NOT NULL,          -- the ingest that wrote them: its place in ingests (1 for the first)
    tkey BIGINT NOT NULL             -- a ticket it stored, or whose events it replaced (slametrics.stored
                                     -- evaluates exactly these again, and keeps every other stopped clock)
);
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL,        -- slametrics.db.SCHEMA_VERSION when this row was written
    applied_at TIMESTAMPTZ NOT NULL,
    change VARCHAR NOT NULL          -- 'created', or what the migration to this version changed
);
