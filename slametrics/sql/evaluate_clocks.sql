-- evaluate_clocks: the stored tickets that can have a clock as of $as_of, for slametrics.clock.
-- Returns one row per ticket of a covered client created at or before $as_of: tkey (the key its
-- status spans refer to), ticket_id, csat, each text column a clock row shows as its 1-based position
-- in the matching list parameter (NULL where the ticket's value is NULL or not in the list), and the
-- times as epoch microseconds, first_response_us / resolved_us as known at $as_of (NULL where later).
-- Business time, pauses and outcomes are computed on these columns.
-- Parameters: $as_of (epoch seconds), $clients (VARCHAR[]: the clients some contract covers),
-- $priorities (VARCHAR[]: every priority with a target), $teams, $categories, $agents, $channels
-- (VARCHAR[]: the values clock_text_values returned).
SELECT tkey, ticket_id,
       list_position($clients::VARCHAR[], client) AS client,
       list_position($priorities::VARCHAR[], priority) AS priority,
       list_position($teams::VARCHAR[], team) AS team,
       list_position($categories::VARCHAR[], category) AS category,
       list_position($agents::VARCHAR[], agent) AS agent,
       list_position($channels::VARCHAR[], channel) AS channel,
       csat,
       epoch_us(created_at) AS created_us,
       CASE WHEN first_response_at <= to_timestamp($as_of) THEN epoch_us(first_response_at) END AS first_response_us,
       CASE WHEN resolved_at <= to_timestamp($as_of) THEN epoch_us(resolved_at) END AS resolved_us
FROM tickets
WHERE created_at <= to_timestamp($as_of)
  AND list_contains($clients::VARCHAR[], client)  -- a filter, not a join: rows keep the stored order
