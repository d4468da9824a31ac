-- outpace schema, version 7: the campaign's owner as storage knows it. The
-- Redis lease says which engine may run a campaign; this generation, bumped
-- in PostgreSQL by every engine that takes the campaign, is what each new
-- attempt is checked against, so an engine that stalled past its lease (and
-- whose campaign another engine took) cannot start one more call, even if it
-- has not yet noticed, and even if Redis lost its keys.
ALTER TABLE campaigns ADD COLUMN owner_engine text;
ALTER TABLE campaigns ADD COLUMN owner_generation bigint NOT NULL DEFAULT 0;
