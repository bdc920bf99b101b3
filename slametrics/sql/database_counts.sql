-- database_counts: one row with the number of stored tickets, status events, rejected rows and ingests.
-- Parameters: none.
SELECT (SELECT count(*) FROM tickets) AS tickets,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM rejects) AS rejects,
       (SELECT count(*) FROM ingests) AS ingests
