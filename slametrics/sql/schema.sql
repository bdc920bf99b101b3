-- schema: the stored ticket history (timestamps in UTC), its rejected rows, and an ingest log.
-- Parameters: none. Idempotent.
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id VARCHAR PRIMARY KEY,
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
    source VARCHAR
);
CREATE TABLE IF NOT EXISTS events (
    ticket_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    event_at TIMESTAMPTZ NOT NULL,   -- the input column `at`
    status VARCHAR NOT NULL
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
