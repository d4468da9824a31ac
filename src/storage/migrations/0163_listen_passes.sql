-- Issue 16: a browser's audio element cannot send an API key, and a key in a
-- URL would land in logs; the QA page trades its key for a pass to one
-- recording, good for a few minutes and for the several Range requests a
-- player makes while seeking. Only its SHA-256 is kept, as for keys.
CREATE TABLE listen_passes (
  pass_hash    text PRIMARY KEY,
  recording_id uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  actor        text NOT NULL,
  expires_at   timestamptz NOT NULL
);
