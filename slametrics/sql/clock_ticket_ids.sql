-- clock_ticket_ids: tkey and ticket_id of each row evaluate_clocks returns with the same parameters, in the
-- same (stored) order: the same table, filter and no join, so both keep the insertion order.
-- (Read apart from the numbers because DuckDB hands over a text column and a dozen numeric ones
-- faster as two results than as one.)
-- Parameters: $as_of (epoch seconds), $since (epoch seconds or NULL: with it, only the tickets created
-- since then or still open at $as_of, as a watch reads them), $clients (VARCHAR[]: the clients the scope's contracts cover).
-- $base (epoch seconds or NULL: with it, only the tickets whose clocks may have changed since a
-- store's stopped clocks were kept, slametrics.stored: those not settled by $base, those written
-- since, $changed (BIGINT[], their tkeys), and those of the clients in $redo (VARCHAR[], whose terms changed).
SELECT tkey, ticket_id
FROM tickets
WHERE created_at <= to_timestamp($as_of)
  AND list_contains($clients::VARCHAR[], client)
  AND ($since::BIGINT IS NULL OR created_at >= to_timestamp($since::BIGINT)  -- a watch: this period's tickets
       OR resolved_at IS NULL OR resolved_at > to_timestamp($as_of))        -- and those still open
  AND ($base::BIGINT IS NULL                                                 -- a refresh (slametrics.stored):
       OR resolved_at IS NULL OR resolved_at > to_timestamp($base::BIGINT)      -- not settled by $base
       OR first_response_at > to_timestamp($base::BIGINT)
       OR list_contains($changed::BIGINT[], tkey)                             -- written since
       OR list_contains($redo::VARCHAR[], client))                              -- under changed terms
