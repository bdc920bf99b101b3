-- uncovered_counts: stored tickets that get no clock, for the ingest summary (the provider's write, which
-- sees every stored ticket: the one statement on the write path that reads tickets without a scope).
-- Returns one row: (tickets whose client no contract covers, tickets of covered clients whose priority
-- no service level of their contract targets). Parameters: $covered (list of covered client names);
-- reads the registered frame covered_pairs (client, priority).
SELECT count(*) FILTER (WHERE NOT list_contains($covered, t.client)),
       count(*) FILTER (WHERE list_contains($covered, t.client) AND p.client IS NULL)
FROM tickets t
LEFT JOIN covered_pairs p ON p.client = t.client AND p.priority = t.priority;
