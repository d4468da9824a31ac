-- Issue 16: scorecards, reviews, and the loops a review opens (corrective
-- callbacks, trial-product confirmation calls), tracked until closed.

CREATE TABLE scorecards (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- NULL: a stock card any campaign may use (the valid-sale card).
  campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
  name        text NOT NULL,
  -- src/qa/scorecard.ts validates the shape: criteria, weights, critical ones, the pass mark.
  card        jsonb NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- A card used by reviews is never changed: a new one replaces it, and this one is retired.
  retired_at  timestamptz
);

CREATE TABLE reviews (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attempt_id     uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  campaign_id    uuid NOT NULL,
  agent_id       text NOT NULL,
  scorecard_id   uuid NOT NULL REFERENCES scorecards (id),
  inspector      text NOT NULL,
  answers        jsonb NOT NULL,
  -- [{"atMs": 12500, "leg": "customer", "text": "price not said"}]: comments at points of the recording.
  comments       jsonb NOT NULL DEFAULT '[]',
  score          double precision NOT NULL,
  passed         boolean NOT NULL,
  failed_critical text[] NOT NULL DEFAULT '{}',
  submitted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_attempt ON reviews (attempt_id);
CREATE INDEX reviews_agent ON reviews (agent_id, submitted_at);
CREATE INDEX reviews_campaign ON reviews (campaign_id, submitted_at);

CREATE TABLE qa_loops (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind          text NOT NULL CHECK (kind IN ('corrective-callback', 'trial-confirmation')),
  -- The call that opened the loop, and its review.
  attempt_id    uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  review_id     uuid REFERENCES reviews (id),
  lead_id       uuid NOT NULL,
  campaign_id   uuid NOT NULL,
  state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  -- Where the loop stands, in words of the field: 'corrective call scheduled', 'confirmation call 1 of 2 scheduled', ...
  stage         text NOT NULL,
  -- The confirmation call under way (1 or 2), and how many times the trial was extended.
  step          integer NOT NULL DEFAULT 1,
  extensions    integer NOT NULL DEFAULT 0,
  callback_id   uuid REFERENCES callbacks (id),
  trial_ends_at timestamptz,
  outcome       text,
  -- Every step: [{"at": "...", "by": "...", "what": "..."}].
  history       jsonb NOT NULL DEFAULT '[]',
  opened_at     timestamptz NOT NULL DEFAULT now(),
  closed_at     timestamptz
);
CREATE INDEX qa_loops_open ON qa_loops (campaign_id, state, opened_at);
CREATE INDEX qa_loops_lead ON qa_loops (lead_id) WHERE state = 'open';
