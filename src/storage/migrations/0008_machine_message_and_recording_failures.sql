-- outpace schema, version 8: what a real PBX showed was missing.
-- The message an agent campaign leaves on answering machines
-- (pacing.machinePolicy leave-message), a sound name as abandon_message is.
ALTER TABLE campaigns ADD COLUMN machine_message text;
-- Recordings of the call Asterisk could not make, each with why
-- ([{"name": "<attempt>-agent", "leg": "agent", "why": "..."}]), beside the
-- recordings it made: a missing recording is told, not just absent.
ALTER TABLE attempts ADD COLUMN recording_failures jsonb NOT NULL DEFAULT '[]';
