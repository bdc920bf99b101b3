-- evaluate_clocks: the stored tickets that can have a clock as of $as_of, for slametrics.clock.
-- Returns one row per ticket of a covered client created at or before $as_of, in stored order: tkey
-- (the key its status spans refer to), csat, reopened, each text column a clock row shows as its 1-based
-- position in the matching list parameter (NULL where the ticket's value is NULL or not in the list),
-- and the times as epoch seconds (stored times are whole seconds), first_response_s / resolved_s as
-- known at $as_of (NULL where later). Business time, pauses and outcomes are computed on these
-- columns; settled_s is the moment from which no as-of changes them (slametrics.stored). Only numbers: the ticket ids come from clock_ticket_ids, row for row.
-- Parameters: $as_of (epoch seconds), $since (epoch seconds or NULL: with it, only the tickets created
-- since then or still open at $as_of, as a watch reads them), $clients (VARCHAR[]: the clients the scope's contracts cover),
-- $priorities (VARCHAR[]: every priority a service level covers), $teams, $categories, $agents, $channels
-- (VARCHAR[]: the values clock_text_values returned).
-- $base (epoch seconds or NULL: with it, only the tickets whose clocks may have changed since a
-- store's stopped clocks were kept, slametrics.stored: those not settled by $base, those written
-- since, $changed (BIGINT[], their tkeys), and those of the clients in $redo (VARCHAR[], whose terms changed).
SELECT tkey,
       list_position($clients::VARCHAR[], client) AS client,
       list_position($priorities::VARCHAR[], priority) AS priority,
       list_position($teams::VARCHAR[], team) AS team,
       list_position($categories::VARCHAR[], category) AS category,
       list_position($agents::VARCHAR[], agent) AS agent,
       list_position($channels::VARCHAR[], channel) AS channel,
       csat,
       reopened,
       epoch_us(created_at) // 1000000 AS created_s,
       CASE WHEN first_response_at <= to_timestamp($as_of) THEN epoch_us(first_response_at) // 1000000 END AS first_response_s,
       CASE WHEN resolved_at <= to_timestamp($as_of) THEN epoch_us(resolved_at) // 1000000 END AS resolved_s,
       -- from when none of its clocks can change: resolved, and answered if ever (NULL: open)
       CASE WHEN resolved_at IS NOT NULL THEN epoch_us(greatest(resolved_at, first_response_at)) // 1000000 END
           AS settled_s  -- (greatest skips a NULL answer)
FROM tickets
WHERE created_at <= to_timestamp($as_of)
  AND list_contains($clients::VARCHAR[], client)  -- a filter, not a join: rows keep the stored order
  AND ($since::BIGINT IS NULL OR created_at >= to_timestamp($since::BIGINT)  -- a watch: this period's tickets
       OR resolved_at IS NULL OR resolved_at > to_timestamp($as_of))        -- and those still open
  AND ($base::BIGINT IS NULL                                                 -- a refresh (slametrics.stored):
       OR resolved_at IS NULL OR resolved_at > to_timestamp($base::BIGINT)      -- not settled by $base
       OR first_response_at > to_timestamp($base::BIGINT)
       OR list_contains($changed::BIGINT[], tkey)                             -- written since
       OR list_contains($redo::VARCHAR[], client))                              -- under changed terms
