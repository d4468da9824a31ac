-- Reports by agent over every campaign (src/reports/reports.ts) read an agent's attempts by time;
-- per campaign they use attempts_campaign (campaign_id, originated_at).
CREATE INDEX IF NOT EXISTS attempts_agent ON attempts (agent_id, originated_at) WHERE agent_id IS NOT NULL;
-- Agents' state history by time: the reports find the agents active in a period from it.
CREATE INDEX IF NOT EXISTS agent_states_at ON agent_states (at);
