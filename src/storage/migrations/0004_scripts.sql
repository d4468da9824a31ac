-- outpace schema, version 4: campaign scripts and questionnaires, the
-- agents' answers, and one-time tickets for the agent page's socket.

-- One script per campaign; each save is a new version, so an attempt's
-- answers always read against the questions the agent was shown.
CREATE TABLE scripts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  campaign_id uuid NOT NULL UNIQUE REFERENCES campaigns (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE script_versions (
  script_id  uuid NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
  version    integer NOT NULL CHECK (version > 0),
  name       text NOT NULL,
  -- start and questions: src/agents/scripts/script.ts validates the shape.
  definition jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (script_id, version)
);

-- The version shown to the agent in the screen pop; answers are checked against it.
ALTER TABLE attempts ADD COLUMN script_id uuid;
ALTER TABLE attempts ADD COLUMN script_version integer;

-- One answer per question and attempt: a later answer to the same question replaces it.
CREATE TABLE attempt_answers (
  attempt_id     uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  question_id    text NOT NULL,
  script_id      uuid NOT NULL,
  script_version integer NOT NULL,
  answer         jsonb NOT NULL,
  answered_by    text NOT NULL,
  answered_at    timestamptz NOT NULL,
  PRIMARY KEY (attempt_id, question_id),
  FOREIGN KEY (script_id, script_version) REFERENCES script_versions (script_id, version)
);

-- A browser cannot put a key on a WebSocket: it trades the key for a ticket
-- that opens one socket within seconds. Only the ticket's SHA-256 is kept.
CREATE TABLE agent_tickets (
  ticket_hash text PRIMARY KEY,
  agent_id    text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX agent_tickets_expiry ON agent_tickets (expires_at);
