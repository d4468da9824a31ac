-- Issue 16: QA sampling plans and the review queue they feed.

-- A campaign's sampling plan (src/qa/sampling-plan.ts validates the shape); none: the documents' defaults.
CREATE TABLE qa_plans (
  campaign_id uuid PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
  plan        jsonb NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The calls to review: one row per sampled call, with the draw that chose it
-- ('day:2026-11-24', 'week:2026-11-23') and why, in words; claimed by one inspector at a time.
CREATE TABLE review_queue (
  attempt_id  uuid PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL,
  agent_id    text NOT NULL,
  draw        text NOT NULL,
  rules       text[] NOT NULL,
  reasons     text[] NOT NULL,
  sampled_at  timestamptz NOT NULL DEFAULT now(),
  state       text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'claimed', 'reviewed')),
  claimed_by  text,
  claimed_at  timestamptz
);
CREATE INDEX review_queue_campaign ON review_queue (campaign_id, state, sampled_at);
CREATE INDEX review_queue_draw ON review_queue (campaign_id, draw);
-- The week's calls a draw reads: an agent's connected calls by time.
CREATE INDEX attempts_connected ON attempts (campaign_id, connected_at) WHERE agent_id IS NOT NULL;
