-- outpace schema, version 1: campaigns, lists, leads, customers, attempts,
-- dispositions, callbacks, the red/black/grey lists, agents, users, API keys
-- and the audit log. Times are timestamptz; identifiers are uuids except
-- agents, whose id is the login supervisors know them by.

CREATE TABLE campaigns (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL UNIQUE,
  type            text NOT NULL CHECK (type IN ('agent', 'broadcast')),
  state           text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'running', 'paused', 'stopped')),
  -- Dial mode, abandon target and window, line limits, ring timeout, machine
  -- detection and policy: src/pacing/settings.ts validates the shape.
  pacing          jsonb NOT NULL,
  caller_id       text NOT NULL,
  trunk_id        text,
  -- us | uk | ca | cn | none, and the per-campaign overrides of its rules
  -- (calling window, retry policy, caps, lockout): src/campaigns/compliance.ts.
  compliance_profile text NOT NULL,
  rules           jsonb NOT NULL DEFAULT '{}',
  recording       text NOT NULL DEFAULT 'all' CHECK (recording IN ('all', 'none', 'agent-legs')),
  abandon_message text,
  broadcast_message text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lists (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  name        text NOT NULL,
  -- Who sold or supplied the data: the list-quality report groups by it.
  source      text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, name)
);

-- One person, one history: every lead with this number, in any campaign,
-- points here, and the contact-pressure caps count this customer's calls.
CREATE TABLE customers (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  phone         text NOT NULL UNIQUE,
  -- China: marketing calls only with recorded consent.
  consent_at    timestamptz,
  -- The lead whose claim or call holds this number; no second call while held.
  held_by_lead  uuid,
  -- When the hold lapses on its own (a claim's lease); NULL while a call is in flight.
  held_until    timestamptz,
  -- UK: no new call within 72 h of an abandoned one; each campaign's rule reads this.
  last_abandoned_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  -- Red-list (important) customers are connected only to agents marked for them.
  red_list   boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE leads (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- No foreign keys on this table: PostgreSQL checks each one with a query per
  -- inserted row, which more than doubled the time of a million-row import.
  -- Deleting a campaign deletes its leads explicitly (campaign-store.ts);
  -- customers are never deleted; agents are checked by the API.
  list_id         uuid NOT NULL,
  -- The list's campaign, copied here for the hopper's index.
  campaign_id     uuid NOT NULL,
  customer_id     uuid NOT NULL,
  phone           text NOT NULL,
  time_zone       text NOT NULL,
  custom_fields   jsonb NOT NULL DEFAULT '{}',
  state           text NOT NULL DEFAULT 'ready'
                  CHECK (state IN ('ready', 'claimed', 'dialing', 'done', 'exhausted', 'do-not-call')),
  priority        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  attempts_total  integer NOT NULL DEFAULT 0,
  -- Attempts on `attempts_day`, the lead's local date of its last attempt.
  attempts_today  integer NOT NULL DEFAULT 0,
  attempts_day    date,
  last_outcome    text,
  assigned_agent_id text,
  claimed_by      text,
  claimed_until   timestamptz,
  -- The import and the line of its file the lead came from, for the import's report.
  import_id       uuid,
  source_row      integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (list_id, phone)
);
-- The claim walks this index in order; a claimed lead leaves it, so claims never wade through claimed rows.
CREATE INDEX leads_hopper ON leads (campaign_id, priority DESC, next_attempt_at NULLS FIRST) WHERE state = 'ready';
CREATE INDEX leads_claims ON leads (campaign_id, claimed_until) WHERE state = 'claimed';
CREATE INDEX leads_customer ON leads (customer_id);

CREATE TABLE dispositions (
  code        text PRIMARY KEY,
  label       text NOT NULL,
  -- What the disposition does to the lead.
  effect      text NOT NULL CHECK (effect IN ('retry', 'done', 'callback', 'do-not-call')),
  -- Counts as a success in the success rate; right party reached.
  success     boolean NOT NULL DEFAULT false,
  right_party boolean NOT NULL DEFAULT false,
  -- For effect = retry: wait this long before the next attempt.
  retry_after_minutes integer
);

CREATE TABLE attempts (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id           uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  campaign_id       uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  customer_id       uuid NOT NULL REFERENCES customers (id),
  phone             text NOT NULL,
  engine_id         text NOT NULL,
  trunk_id          text,
  -- Written before the originate: a restart finds every call it started.
  originated_at     timestamptz NOT NULL,
  answered_at       timestamptz,
  connected_at      timestamptz,
  ended_at          timestamptz,
  outcome           text CHECK (outcome IN ('live', 'machine', 'no-answer', 'busy', 'congestion', 'invalid-number', 'rejected', 'failed')),
  abandoned         boolean NOT NULL DEFAULT false,
  hangup_cause_code integer,
  hangup_cause_text text,
  tech_cause        integer,
  agent_id          text REFERENCES agents (id),
  recordings        jsonb NOT NULL DEFAULT '[]',
  disposition       text REFERENCES dispositions (code),
  disposition_note  text
);
CREATE INDEX attempts_lead ON attempts (lead_id, originated_at);
CREATE INDEX attempts_customer ON attempts (customer_id, originated_at);
CREATE INDEX attempts_campaign ON attempts (campaign_id, originated_at);

CREATE TABLE callbacks (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id     uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  -- NULL: any agent may take it.
  agent_id    text REFERENCES agents (id),
  due_at      timestamptz NOT NULL,
  note        text,
  state       text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'done', 'cancelled')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callbacks_lead ON callbacks (lead_id) WHERE state = 'scheduled';
CREATE INDEX callbacks_due ON callbacks (campaign_id, due_at) WHERE state = 'scheduled';

-- The red, black and grey lists, managed centrally. Black: never dial.
-- Grey: agent campaigns only, under the stricter grey contact cap. Red:
-- important customers, dialed only by campaigns that allow them.
CREATE TABLE number_lists (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  phone       text NOT NULL,
  color       text NOT NULL CHECK (color IN ('black', 'grey', 'red')),
  -- NULL: applies to every campaign.
  campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
  category    text NOT NULL,
  reason      text,
  -- Where the entry came from: a disposition, an import, the API, a regulator's registry.
  source      text NOT NULL,
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (phone, color, campaign_id)
);
CREATE INDEX number_lists_phone ON number_lists (phone);

CREATE TABLE imports (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  list_id       uuid NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
  file_name     text NOT NULL,
  state         text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
  rows_read     integer NOT NULL DEFAULT 0,
  rows_imported integer NOT NULL DEFAULT 0,
  rows_rejected integer NOT NULL DEFAULT 0,
  -- Rows whose number the list already held: a re-import changes nothing.
  rows_unchanged integer NOT NULL DEFAULT 0,
  error         text,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);

CREATE TABLE import_rejections (
  import_id  uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  row_number integer NOT NULL,
  reason     text NOT NULL,
  PRIMARY KEY (import_id, row_number)
);

CREATE TABLE users (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL UNIQUE,
  role       text NOT NULL CHECK (role IN ('admin', 'campaign-manager', 'supervisor', 'qa', 'agent')),
  agent_id   text REFERENCES agents (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Keys are random; only their SHA-256 is kept, so a leaked table leaks no key.
CREATE TABLE api_keys (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key_hash   text NOT NULL UNIQUE,
  -- The first characters, shown in lists so a user can tell keys apart.
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE audit_log (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  action    text NOT NULL,
  entity    text NOT NULL,
  entity_id text,
  details   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, at);

-- The dispositions the operators' documents use; campaigns may add their own.
INSERT INTO dispositions (code, label, effect, success, right_party, retry_after_minutes) VALUES
  ('powered-off',      'Powered off',             'retry',       false, false, 240),
  ('vacant',           'Vacant number',           'done',        false, false, NULL),
  ('suspended',        'Suspended',               'retry',       false, false, 1440),
  ('no-answer',        'No answer',               'retry',       false, false, 120),
  ('not-target',       'Not a target',            'done',        false, false, NULL),
  ('wrong-party',      'Target person not found', 'retry',       false, false, 1440),
  ('refused',          'Refused / busy now',      'retry',       false, true,  1440),
  ('hostile',          'Hostile',                 'do-not-call', false, true,  NULL),
  ('do-not-call',      'Asked not to be called',  'do-not-call', false, true,  NULL),
  ('appointment',      'Appointment set',         'callback',    false, true,  NULL),
  ('survey-completed', 'Survey completed',        'done',        true,  true,  NULL),
  ('valid-sale',       'Valid sale',              'done',        true,  true,  NULL),
  ('invalid-sale',     'Invalid sale',            'callback',    false, true,  NULL);
