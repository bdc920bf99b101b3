-- evaluate_clocks: the stored tickets that can have a clock as of $as_of, for slametrics.clock.
-- Returns one row per ticket of a covered client created at or before $as_of: tkey (the key its
-- status spans refer to), the columns a clock row shows, and first_response_at / resolved_at as known
-- at $as_of (NULL where later). Business time, pauses and outcomes are computed on these columns.
-- Parameters: $as_of (epoch seconds), $clients (VARCHAR[]: the clients some contract covers).
SELECT tkey, ticket_id, client, priority, team, category, agent, channel, csat, created_at,
       CASE WHEN first_response_at <= to_timestamp($as_of) THEN first_response_at END AS first_response_at,
       CASE WHEN resolved_at <= to_timestamp($as_of) THEN resolved_at END AS resolved_at
FROM tickets
WHERE created_at <= to_timestamp($as_of)
  AND client IN (SELECT unnest($clients::VARCHAR[]))
