-- database_counts: one row with the number of stored tickets, status events, rejected rows and ingests
-- a scope may see: everything where $everyone, else those of its clients' tickets (rejected rows whose
-- row names one of the clients or one of their stored tickets; ingests are the provider's alone).
-- Parameters: $everyone (BOOLEAN), $clients (VARCHAR[]).
WITH mine AS (
    SELECT ticket_id FROM tickets WHERE $everyone OR list_contains($clients::VARCHAR[], client)
)
SELECT (SELECT count(*) FROM mine) AS tickets,
       (SELECT count(*) FROM events WHERE $everyone OR ticket_id IN (SELECT ticket_id FROM mine)) AS events,
       (SELECT count(*) FROM rejects
        WHERE $everyone OR list_contains($clients::VARCHAR[], json_extract_string(row_json, '$.client'))
           OR ticket_id IN (SELECT ticket_id FROM mine)) AS rejects,
       (SELECT count(*) FROM ingests WHERE $everyone) AS ingests
