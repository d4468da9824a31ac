-- The reports' rollup of attempts (src/reports/rollup.ts): per campaign and 15-minute UTC bucket of
-- origination, the sums the activity and client-week reports take from attempts, per campaign, per
-- agent and per list, each by disposition. 15 minutes because every time zone in use today is a whole
-- number of quarter hours from UTC (India +5:30, Nepal +5:45, Chatham +12:45): each of a zone's hours,
-- days and weeks is a union of buckets, which UTC hours are not for India or Nepal.
-- Right party and success come from the dispositions at read time, a list's source from the list, so
-- that editing either needs no recount.
CREATE TABLE attempt_rollup (
  dimension    text NOT NULL CHECK (dimension IN ('campaign', 'agent', 'list')),
  campaign_id  uuid NOT NULL,
  bucket       timestamptz NOT NULL,
  -- The campaign's id, the agent's id ('' for no agent), or the list's id.
  key          text NOT NULL,
  -- '' for an attempt with no disposition.
  disposition  text NOT NULL,
  dials        integer NOT NULL,
  connects     integer NOT NULL,
  live_answers integer NOT NULL,
  abandons     integer NOT NULL,
  machines     integer NOT NULL,
  -- Exact (numeric, as extract(epoch ...) gives it), so that sums of buckets equal sums of attempts.
  talk_seconds numeric NOT NULL,
  PRIMARY KEY (dimension, campaign_id, bucket, key, disposition)
);

-- Buckets whose attempts changed since they were last rolled up. Written in the same transaction as
-- the attempt's change, so nothing is missed across a crash; one row per change (no unique key) so
-- that a writer never waits on the roll-up or on another writer. The reports read a stale bucket from
-- the attempts, so they are exact whether or not the roll-up has caught up.
CREATE TABLE attempt_rollup_stale (
  campaign_id uuid NOT NULL,
  bucket      timestamptz NOT NULL
);
CREATE INDEX attempt_rollup_stale_bucket ON attempt_rollup_stale (campaign_id, bucket);

CREATE FUNCTION report_bucket(at timestamptz) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00');

CREATE FUNCTION attempt_rollup_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO attempt_rollup_stale (campaign_id, bucket) VALUES (OLD.campaign_id, report_bucket(OLD.originated_at));
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.campaign_id, OLD.originated_at) IS DISTINCT FROM (NEW.campaign_id, NEW.originated_at)) THEN
    INSERT INTO attempt_rollup_stale (campaign_id, bucket) VALUES (NEW.campaign_id, report_bucket(NEW.originated_at));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER attempts_rollup_insert_delete AFTER INSERT OR DELETE ON attempts
  FOR EACH ROW EXECUTE FUNCTION attempt_rollup_stale();
-- Only changes to what the rollup sums: recordings, holds and notes written after the call cost nothing.
CREATE TRIGGER attempts_rollup_update AFTER UPDATE ON attempts
  FOR EACH ROW
  WHEN ((OLD.campaign_id, OLD.lead_id, OLD.originated_at, OLD.connected_at, OLD.ended_at, OLD.outcome, OLD.abandoned, OLD.agent_id, OLD.disposition)
        IS DISTINCT FROM (NEW.campaign_id, NEW.lead_id, NEW.originated_at, NEW.connected_at, NEW.ended_at, NEW.outcome, NEW.abandoned, NEW.agent_id, NEW.disposition))
  EXECUTE FUNCTION attempt_rollup_stale();

-- What was dialed before this migration is rolled up by the first catch-up.
INSERT INTO attempt_rollup_stale (campaign_id, bucket) SELECT DISTINCT campaign_id, report_bucket(originated_at) FROM attempts;
