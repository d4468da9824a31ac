-- Issue 16: the recording catalogue. One row per recording the PBX made or
-- failed to make (customer, agent and mixed legs, broadcast calls put through
-- too), written when the PBX reports it finished: where the file is, its size,
-- duration and checksum, so that QA can list, play and trust it.
CREATE TABLE recordings (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The PBX's name for it (<attempt>-<leg>): a second report of one recording updates its row.
  name         text NOT NULL UNIQUE,
  attempt_id   uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  -- Copied from the attempt for the lists by campaign, agent and day.
  campaign_id  uuid NOT NULL,
  agent_id     text,
  leg          text NOT NULL CHECK (leg IN ('customer', 'agent', 'mixed')),
  -- available: the file is where `location` says; failed: the PBX could not
  -- make it (`problem` says why); missing: catalogued, then gone or unreadable
  -- (`problem` says why); deleted: removed by the retention sweep.
  status       text NOT NULL CHECK (status IN ('available', 'failed', 'missing', 'deleted')),
  format       text,
  started_at   timestamptz,
  finished_at  timestamptz NOT NULL,
  duration_ms  integer,
  size_bytes   bigint,
  -- SHA-256 of the file's bytes, hex.
  sha256       text,
  -- The file as this machine reads it (Asterisk's folder when shared, else outpace's copy).
  location     text,
  -- The recording's name on the PBX (GET /recordings/stored/{name}), when it stays there too.
  stored_name  text,
  problem      text,
  catalogued_at timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz
);
CREATE INDEX recordings_attempt ON recordings (attempt_id);
CREATE INDEX recordings_campaign_day ON recordings (campaign_id, finished_at);
CREATE INDEX recordings_agent_day ON recordings (agent_id, finished_at) WHERE agent_id IS NOT NULL;
-- The sweep walks what is still on disk, oldest first.
CREATE INDEX recordings_retained ON recordings (finished_at) WHERE status IN ('available', 'missing');

-- How many days a campaign keeps its recordings; NULL keeps them for ever.
ALTER TABLE campaigns ADD COLUMN recording_retention_days integer CHECK (recording_retention_days > 0);

-- An attempt under legal hold keeps its recordings whatever the retention says,
-- until the hold is lifted; who placed it and why are kept with it.
CREATE TABLE legal_holds (
  attempt_id  uuid PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
  reason      text NOT NULL,
  placed_by   text NOT NULL,
  placed_at   timestamptz NOT NULL DEFAULT now()
);
