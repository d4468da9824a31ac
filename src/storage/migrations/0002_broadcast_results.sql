-- outpace schema, version 2: what a broadcast attempt's customer heard and
-- did (src/ivr/outcome.ts: outcome, partsHeard, partsTotal, plays, keys),
-- beside the dial's own outcome. NULL for agent campaigns' attempts.
ALTER TABLE attempts ADD COLUMN broadcast_result jsonb;
