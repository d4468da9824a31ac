-- The reports' agent time (src/reports/reports.ts) finds the agents active in a period by time.
-- Per campaign the reports read attempts through attempts_campaign (campaign_id, originated_at); an index on
-- (agent_id, originated_at) was measured over 10 million attempts and gave nothing (bench/results/reports-10m.txt),
-- so the attempts table, written on every call, carries no more.
CREATE INDEX IF NOT EXISTS agent_states_at ON agent_states (at);
