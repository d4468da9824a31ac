-- Issue 18: the agent desk for a real shift.

-- Every call control an agent used, stored with the attempt: who, when, what,
-- to whom, and why it failed when the PBX could not carry it out.
CREATE TABLE attempt_steps (
  id         bigserial PRIMARY KEY,
  attempt_id uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  at         timestamptz NOT NULL,
  actor      text NOT NULL,
  step       text NOT NULL CHECK (step IN ('hangup', 'hold', 'resume', 'mute', 'unmute', 'dtmf', 'transfer', 'consult', 'complete', 'cancel', 'conference')),
  -- The number or agent (agent:ID) a transfer, consultation or conference went to; the digits sent.
  target     text,
  failed     text
);
CREATE INDEX attempt_steps_attempt ON attempt_steps (attempt_id, at);

-- How long the customer spent on hold (the agent's holds and consultations).
ALTER TABLE attempts ADD COLUMN hold_seconds numeric NOT NULL DEFAULT 0;

-- Outcomes the dialer finds on the line are not an agent's to choose: never
-- offered to agents, and refused from them, like wrap-up-timeout.
UPDATE dispositions SET system = true WHERE code IN ('no-answer', 'vacant', 'powered-off', 'suspended');

-- How a campaign's agents see the lead's fields: a label each, in order, and
-- which an agent may correct. Fields without a definition follow, named by
-- their column, and may be corrected as before.
CREATE TABLE campaign_lead_fields (
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  name        text NOT NULL,
  label       text NOT NULL,
  position    integer NOT NULL,
  editable    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (campaign_id, name)
);
