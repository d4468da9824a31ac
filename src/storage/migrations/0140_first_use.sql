-- Issue 14: what a first real use found missing.

-- Where a number's area spans time zones (Idaho's 208, parts of 928), the
-- further zones beside the lead's time_zone: the calling window must be open
-- in every one. NULL for the usual lead with one zone.
ALTER TABLE leads ADD COLUMN other_time_zones text[];

-- An import whose process died is marked interrupted (by the next process to
-- start) rather than staying 'running' for ever; alive_at is the importing
-- process's heartbeat, which tells a live import from a dead one.
ALTER TABLE imports DROP CONSTRAINT imports_state_check;
ALTER TABLE imports ADD CONSTRAINT imports_state_check CHECK (state IN ('running', 'done', 'failed', 'interrupted'));
ALTER TABLE imports ADD COLUMN alive_at timestamptz NOT NULL DEFAULT now();

-- The pacing values the campaign's manager set, apart from the profile's
-- defaults, so that a change of profile brings the new profile's defaults.
-- NULL for campaigns created before: a value that differs from their profile's default counts as set.
ALTER TABLE campaigns ADD COLUMN pacing_set jsonb;

-- A campaign with attempts is archived, not deleted: its attempts are the record a regulator asks for.
ALTER TABLE campaigns ADD COLUMN archived_at timestamptz;

-- When each API key was last used, for the admins' list of keys.
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;

-- Rules of law the campaign dials beyond on purpose ('abandon-target', 'calling-window'): without
-- them a target above the profile's legal cap or a window wider than its hours is refused.
ALTER TABLE campaigns ADD COLUMN compliance_overrides text[] NOT NULL DEFAULT '{}';
