-- outpace schema, version 5: broadcasts run live.
-- counts_as_contact: whether the attempt counts toward the per-customer
-- contact caps of every campaign (a live answer does, unless a broadcast's
-- settings say a message heard only in part does not, or the row only
-- records a call another attempt already counted).
-- handover_of: an agent campaign's row for a broadcast caller who pressed 1
-- (put through to one of its agents, or not in time: an abandon of the agent
-- campaign, with a callback): the broadcast attempt of that call.
ALTER TABLE attempts ADD COLUMN counts_as_contact boolean NOT NULL DEFAULT true;
ALTER TABLE attempts ADD COLUMN handover_of uuid REFERENCES attempts (id) ON DELETE CASCADE;
CREATE INDEX attempts_handover_of ON attempts (handover_of) WHERE handover_of IS NOT NULL;
