-- uncovered_counts: stored tickets that get no clock.
-- Returns one row: (tickets whose client no contract covers, tickets of covered clients whose priority
-- no service level of their contract targets). Parameters: $clients (list of covered client names);
-- reads the registered frame covered_pairs (client, priority).
SELECT count(*) FILTER (WHERE NOT list_contains($clients, t.client)),
       count(*) FILTER (WHERE list_contains($clients, t.client) AND p.client IS NULL)
FROM tickets t
LEFT JOIN covered_pairs p ON p.client = t.client AND p.priority = t.priority;
