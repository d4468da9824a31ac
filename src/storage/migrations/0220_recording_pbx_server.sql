-- Issue 19: several Asterisk servers. The server that keeps the PBX's copy of
-- a recording fetched over ARI (a name of OUTPACE_SERVERS), so that the
-- retention sweep deletes it there; NULL where the engine drives one server,
-- and for recordings catalogued before (then the first server).
ALTER TABLE recordings ADD COLUMN pbx_server text;
