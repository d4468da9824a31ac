-- outpace schema, version 3: the agents' state history (occupancy and time
-- per state), the campaigns each agent works, and dispositions the system
-- gives itself (a lapsed wrap-up), kept apart from the agents' own.

-- One row per change of an agent person's state, written in batches off the
-- engine's hot path (src/agents/stored-agent-states.ts). campaign_ids: the
-- campaigns the new state counts for: the call's campaign while reserved, on
-- call or in wrap-up; every campaign the agent is logged in to otherwise.
-- No foreign keys, as on leads: rows come in bursts from the engine.
CREATE TABLE agent_states (
  id           bigserial PRIMARY KEY,
  agent_id     text NOT NULL,
  campaign_ids uuid[] NOT NULL,
  from_state   text NOT NULL,
  to_state     text NOT NULL CHECK (to_state IN ('logged-out', 'ready', 'reserved', 'on-call', 'wrap-up', 'paused')),
  -- Why: the pause reason code, "preview" for an offered lead, "wrap-up-timeout", ...
  reason       text,
  attempt_id   uuid,
  at           timestamptz NOT NULL
);
CREATE INDEX agent_states_agent ON agent_states (agent_id, at);
CREATE INDEX agent_states_campaigns ON agent_states USING gin (campaign_ids);

-- Which campaigns an agent may log in to; an agent with no row may work any.
CREATE TABLE agent_campaigns (
  agent_id    text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  PRIMARY KEY (agent_id, campaign_id)
);
CREATE INDEX agent_campaigns_campaign ON agent_campaigns (campaign_id);

-- Given by outpace, not by an agent: reports tell them apart by this flag.
ALTER TABLE dispositions ADD COLUMN system boolean NOT NULL DEFAULT false;
-- The agent let the campaign's wrap-up timeout lapse without a disposition:
-- the customer was spoken to but nobody said how it went, so the lead is tried
-- again a day later (a supervisor may correct the disposition).
INSERT INTO dispositions (code, label, effect, success, right_party, retry_after_minutes, system) VALUES
  ('wrap-up-timeout', 'Wrap-up timed out (no disposition given)', 'retry', false, false, 1440, true);
