-- rejects_of: the stored rejected rows a scope may see, ordered by input, kind and line: every row where
-- $everyone, else those whose row as read names one of $clients or whose ticket is one of theirs.
-- Returns source, kind, line, ticket_id, reason, row_json.
-- Parameters: $source (VARCHAR or NULL: every input), $everyone (BOOLEAN), $clients (VARCHAR[]).
SELECT source, kind, line, ticket_id, reason, row_json
FROM rejects
WHERE ($source IS NULL OR source = $source)
  AND ($everyone
       OR list_contains($clients::VARCHAR[], json_extract_string(row_json, '$.client'))
       OR ticket_id IN (SELECT ticket_id FROM tickets WHERE list_contains($clients::VARCHAR[], client)))
ORDER BY source, kind, line
