-- Issue 16: what an agent says a trial product's confirmation call came to.
-- Each is the result of the call's QA loop (the campaign's QA plan maps
-- dispositions to results: src/qa/sampling-plan.ts), which schedules the
-- second call, or closes the loop; the lead itself is done with the call.
-- Not a success: the sale they confirm counted already.
INSERT INTO dispositions (code, label, effect, success, right_party, retry_after_minutes) VALUES
  ('trial-confirmed',      'Trial confirmed',                          'done', false, true, NULL),
  ('trial-wants-to-think', 'Trial: wants to think (cancellation told)', 'done', false, true, NULL),
  ('trial-cancelled',      'Trial cancelled',                          'done', false, true, NULL)
ON CONFLICT (code) DO NOTHING;
