-- clock_text_values: the distinct values of the free text columns a clock row shows, for
-- slametrics.clock (which keeps each column as a code into these lists).
-- Returns one row: teams, categories, agents, channels, priorities (VARCHAR[], without NULL, in no set
-- order) over every stored ticket of $clients, whatever its creation (so a later as-of finds the same
-- values: slametrics.stored keeps its clocks' codes), or with $since the tickets a watch reads.
-- Parameters: $as_of (epoch seconds), $since (epoch seconds or NULL: with it, only the tickets created
-- since then or still open at $as_of, as a watch reads them), $clients (VARCHAR[]: the clients the scope's contracts cover).
SELECT list(DISTINCT team) FILTER (WHERE team IS NOT NULL) AS teams,
       list(DISTINCT category) FILTER (WHERE category IS NOT NULL) AS categories,
       list(DISTINCT agent) FILTER (WHERE agent IS NOT NULL) AS agents,
       list(DISTINCT channel) FILTER (WHERE channel IS NOT NULL) AS channels,
       list(DISTINCT priority) FILTER (WHERE priority IS NOT NULL) AS priorities
FROM tickets
WHERE list_contains($clients::VARCHAR[], client)
  AND ($since::BIGINT IS NULL
       OR (created_at <= to_timestamp($as_of)
           AND (created_at >= to_timestamp($since::BIGINT)                    -- a watch: this period's tickets
                OR resolved_at IS NULL OR resolved_at > to_timestamp($as_of)))) -- and those still open
