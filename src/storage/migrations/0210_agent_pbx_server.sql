-- Issue 19: several Asterisk servers. The server an agent's softphone is
-- registered on (a name of OUTPACE_SERVERS); NULL where the engine drives one
-- server only.
ALTER TABLE agents ADD COLUMN pbx_server text;
