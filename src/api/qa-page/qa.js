// The QA page: the review queue a campaign's sampling plan fills, a sampled
// call's legs played from the catalogue (Range-served, with comments on a
// timeline), the scorecard, and the loops calls and reviews set going:
// corrective callbacks and trial confirmations, each shown where it stands
// until closed, with a form to record a call's result by hand; an agent's results.
import { html, useEffect, useRef, useState } from '/web/lib/ui.js';
import { api } from '/web/lib/session.js';
import { startPage, PageHeader, DataTable, Problem, StateBadge } from '/web/lib/components.js';
import { duration, percent } from '/web/lib/format.js';

const today = () => new Date().toISOString().slice(0, 10);
const when = (iso) => new Date(iso).toLocaleString('en-GB', { hour12: false });

function QaPage({ me, signOut }) {
  const [campaigns, setCampaigns] = useState([]);
  const [campaignId, setCampaignId] = useState('');
  const [day, setDay] = useState(today());
  const [queue, setQueue] = useState([]);
  const [open, setOpen] = useState(undefined);
  // Bumped when a review or a recorded result may have moved a loop: the campaign's loops reload.
  const [loopsSeen, setLoopsSeen] = useState(0);
  const [problem, guard] = useProblem();

  useEffect(guard(async () => {
    const campaigns = await api('/campaigns');
    setCampaigns(campaigns);
    if (campaigns[0]) setCampaignId(campaigns[0].id);
  }), []);
  const loadQueue = guard(async () => campaignId && setQueue((await api(`/qa/queue?campaignId=${campaignId}`)).calls));
  useEffect(() => void loadQueue(), [campaignId]);

  const draw = guard(async (kind) => {
    const body = kind === 'day' ? { day } : { week: mondayOf(day) };
    await api(`/campaigns/${campaignId}/qa-sample`, { method: 'POST', body });
    await loadQueue();
  });

  return html`<${PageHeader} title="QA" me=${me} signOut=${signOut} />
    <main>
      <${Problem} text=${problem} />
      <div class="split">
        <section id="queue">
          <h2>Review queue</h2>
          <form onSubmit=${(e) => e.preventDefault()}>
            <label>Campaign <select id="campaign" value=${campaignId} onChange=${(e) => setCampaignId(e.currentTarget.value)}>
              ${campaigns.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
            </select></label>
            <label>Day <input type="date" id="draw-date" value=${day} onInput=${(e) => setDay(e.currentTarget.value)} required /></label>
            <button type="button" id="draw-day" onClick=${() => draw('day')}>Draw the day's sample</button>
            <button type="button" id="draw-week" onClick=${() => draw('week')}>Draw its week's</button>
          </form>
          <${DataTable}
            rows=${queue}
            rowKey=${(r) => r.attemptId}
            selected=${open}
            onRow=${(r) => setOpen(r.attemptId)}
            empty="no sampled calls: draw a sample"
            columns=${[
              { key: 'connectedAt', label: 'Call', format: when },
              { key: 'agentId', label: 'Agent' },
              { key: 'disposition', label: 'Disposition' },
              { key: 'reasons', label: 'Why sampled', format: (reasons) => reasons[0] },
              { key: 'state', label: 'State', format: (state, r) => html`<${StateBadge} state=${state} text=${r.claimedBy ? `${state}: ${r.claimedBy}` : state} />` },
            ]}
          />
        </section>
        ${open
          ? html`<${Review} key=${open} attemptId=${open} me=${me} seen=${loopsSeen} onChange=${() => (loadQueue(), setLoopsSeen((n) => n + 1))} />`
          : html`<section><p class="empty">Pick a call in the queue.</p></section>`}
      </div>
      <${CampaignLoops} campaignId=${campaignId} seen=${loopsSeen} onChange=${() => setLoopsSeen((n) => n + 1)} />
      <${AgentResults} />
    </main>`;
}

/** One sampled call: claim it, play its legs, comment at points, score it, submit, see the loops it opened. */
function Review({ attemptId, me, seen, onChange }) {
  const [call, setCall] = useState(undefined);
  const [leg, setLeg] = useState(undefined);
  const [audioUrl, setAudioUrl] = useState(undefined);
  const [cardId, setCardId] = useState(undefined);
  const [answers, setAnswers] = useState({});
  const [comments, setComments] = useState([]);
  const [comment, setComment] = useState('');
  const [result, setResult] = useState(undefined);
  const [problem, act] = useProblem();
  const audio = useRef(null);

  const load = async () => {
    const bundle = await api(`/qa/calls/${attemptId}`);
    setCall(bundle);
    setCardId((id) => id ?? bundle.scorecards[0]?.id);
  };
  useEffect(act(load), [attemptId, seen]);
  if (!call) return html`<section><p class="empty">loading…</p></section>`;

  const card = call.scorecards.find((c) => c.id === cardId)?.card;
  const holder = call.queued?.claimedBy;
  const mine = holder === me.name && call.queued?.state === 'claimed';
  const play = act(async (recording) => {
    setLeg(recording.leg);
    setAudioUrl((await api(`/recordings/${recording.id}/listen`, { method: 'POST' })).url);
  });
  const claim = act(async () => {
    await api(`/qa/queue/${attemptId}/claim`, { method: 'POST' });
    await load();
    onChange();
  });
  const submit = act(async () => {
    // An unticked checkpoint is a failed one; points not given are none.
    const given = Object.fromEntries(card.criteria.map((c) => [c.id, answers[c.id] ?? (c.kind === 'pass-fail' ? false : 0)]));
    setResult(await api('/qa/reviews', { method: 'POST', body: { attemptId, scorecardId: cardId, answers: given, comments } }));
    await load();
    onChange();
  });
  const addComment = () => {
    if (!comment.trim()) return;
    const atMs = Math.round((audio.current?.currentTime ?? 0) * 1000);
    setComments((list) => [...list, { atMs, leg, text: comment.trim() }].sort((a, b) => a.atMs - b.atMs));
    setComment('');
  };
  const playable = call.recordings.filter((r) => r.status === 'available');
  const length = Math.max(1, ...call.recordings.map((r) => r.durationMs ?? 0));

  return html`<section id="review">
    <h2>Call of ${call.attempt.agentId} <span class="empty">${when(call.attempt.originatedAt)}, ${call.attempt.disposition ?? 'no disposition'}</span></h2>
    ${call.queued && html`<ul class="reasons">${call.queued.reasons.map((r) => html`<li>${r}</li>`)}</ul>`}
    <div class="legs">
      ${playable.map((r) => html`<button type="button" class="leg" data-leg=${r.leg} aria-pressed=${leg === r.leg} onClick=${() => play(r)}>${r.leg} ${duration(r.durationMs ?? 0)}</button>`)}
      ${call.recordings.filter((r) => r.status !== 'available').map((r) => html`<span class="empty" title=${r.problem ?? ''}>${r.leg}: ${r.status}</span>`)}
    </div>
    ${audioUrl && html`<audio id="player" controls preload="metadata" src=${audioUrl} ref=${audio}></audio>`}
    <div class="timeline" title="comments on the recording">
      ${comments.map((c) => html`<span class="mark" style=${`left:${(100 * c.atMs) / length}%`} title=${`${duration(c.atMs)} ${c.text}`}
        onClick=${() => audio.current && (audio.current.currentTime = c.atMs / 1000)}></span>`)}
    </div>
    <form onSubmit=${(e) => (e.preventDefault(), addComment())}>
      <input id="comment" placeholder="comment at the current time" value=${comment} onInput=${(e) => setComment(e.currentTarget.value)} />
      <button type="submit">Comment</button>
    </form>
    <ol id="comments">${comments.map((c) => html`<li>${duration(c.atMs)} ${c.leg ? `(${c.leg}) ` : ''}${c.text}</li>`)}</ol>

    ${call.queued?.state === 'reviewed'
      ? html`<p>Reviewed.</p>`
      : mine
        ? html`<form id="scorecard" onSubmit=${(e) => (e.preventDefault(), submit())}>
            <label>Scorecard <select id="card" value=${cardId} onChange=${(e) => (setCardId(e.currentTarget.value), setAnswers({}))}>
              ${call.scorecards.map((c) => html`<option value=${c.id}>${c.card.name}</option>`)}
            </select></label>
            <div class="criteria">
              ${card?.criteria.map((c) =>
                c.kind === 'pass-fail'
                  ? html`<label class=${c.critical ? 'critical' : ''} title=${c.guide ?? ''}><input type="checkbox" name=${c.id}
                      checked=${answers[c.id] === true} onChange=${(e) => setAnswers({ ...answers, [c.id]: e.currentTarget.checked })} />${c.label}</label>`
                  : html`<label title=${c.guide ?? ''}>${c.label} <input type="number" name=${c.id} min="0" max=${c.maxPoints}
                      value=${answers[c.id] ?? ''} onInput=${(e) => setAnswers({ ...answers, [c.id]: Number(e.currentTarget.value) })} /> / ${c.maxPoints}</label>`,
              )}
            </div>
            <button type="submit" id="submit">Submit review</button>
          </form>`
        : html`<p>${holder ? `Claimed by ${holder}.` : 'Nobody holds this call.'} <button type="button" id="claim" onClick=${claim}>Claim</button></p>`}
    <${Problem} text=${problem} />
    ${result && html`<p class="result" id="result" data-passed=${result.passed}>${result.passed ? 'Passed' : 'Failed'}: score ${percent(result.score)}${result.failedCritical.length ? `, failed ${result.failedCritical.join(', ')}` : ''}</p>`}
    <h3>Follow-up</h3>
    <${LoopTable} loops=${call.loops} onRecorded=${onChange} />
    ${call.reviews.length > 0 && html`<h3>Reviews</h3><${DataTable} rows=${call.reviews} columns=${[
      { key: 'inspector', label: 'Inspector' },
      { key: 'score', label: 'Score', format: (s) => percent(s) },
      { key: 'passed', label: 'Passed', format: (p) => (p ? 'yes' : 'no') },
      { key: 'submittedAt', label: 'When', format: when },
    ]} />`}
  </section>`;
}

/** The campaign's corrective and confirmation loops: the open ones until closed, or the closed ones and how they ended. */
function CampaignLoops({ campaignId, seen, onChange }) {
  const [state, setState] = useState('open');
  const [loops, setLoops] = useState([]);
  const [problem, guard] = useProblem();
  useEffect(guard(async () => campaignId && setLoops((await api(`/qa/loops?campaignId=${campaignId}&state=${state}`)).loops)), [campaignId, state, seen]);
  return html`<section id="loops">
    <h2>Follow-up loops</h2>
    <label>Show <select id="loop-state" value=${state} onChange=${(e) => setState(e.currentTarget.value)}>
      <option value="open">open, where each stands</option>
      <option value="closed">closed, how each ended</option>
    </select></label>
    <${Problem} text=${problem} />
    <${LoopTable} loops=${loops} onRecorded=${onChange} />
  </section>`;
}

/**
 * Loops, each where it stands (its stage, its next call, its history), and
 * for an open one a form to record what its call came to: the results come
 * with the loop, as the API takes them for its kind.
 */
function LoopTable({ loops, onRecorded }) {
  return html`<${DataTable}
    rows=${loops}
    empty="no corrective call or confirmation opened"
    columns=${[
      { key: 'kind', label: 'Loop', format: (kind, l) => `${kind === 'trial-confirmation' ? 'trial confirmation' : 'corrective call'}, opened ${when(l.openedAt)}` },
      { key: 'stage', label: 'Where it stands', format: (stage, l) => html`<span class="stage">${stage}</span>${l.trialEndsAt ? html`<br /><small>trial ends ${when(l.trialEndsAt)}</small>` : ''}` },
      { key: 'nextCallAt', label: 'Next call', format: (at) => (at ? when(at) : '–') },
      { key: 'history', label: 'History', format: (steps) => html`<details><summary>${steps.length} step${steps.length === 1 ? '' : 's'}</summary>
        <ol>${steps.map((h) => html`<li>${when(h.at)} ${h.by}: ${h.what}</li>`)}</ol></details>` },
      { key: 'state', label: 'Result', format: (s, l) => (s === 'open' ? html`<${LoopResultForm} loop=${l} onRecorded=${onRecorded} />` : html`<${StateBadge} state="passed" text="closed" />`) },
    ]}
  />`;
}

/** What a loop's call came to, recorded by hand (a call made outside outpace, or dispositioned with no result). */
function LoopResultForm({ loop, onRecorded }) {
  const [result, setResult] = useState(loop.results[0]);
  const [problem, guard] = useProblem();
  const record = guard(async () => {
    await api(`/qa/loops/${loop.id}/result`, { method: 'POST', body: { result } });
    onRecorded();
  });
  return html`<form class="loop-result" data-loop=${loop.id} onSubmit=${(e) => (e.preventDefault(), record())}>
    <select name="result" value=${result} onChange=${(e) => setResult(e.currentTarget.value)}>
      ${loop.results.map((r) => html`<option value=${r}>${r}</option>`)}
    </select>
    <button type="submit">Record</button>
    <${Problem} text=${problem} />
  </form>`;
}

/** An agent's results over time: the weekly report's rows for one agent. */
function AgentResults() {
  const [agentId, setAgentId] = useState('');
  const [rows, setRows] = useState(undefined);
  const [problem, guard] = useProblem();
  const show = guard(async () => setRows((await api(`/qa/reports/agents?agentId=${encodeURIComponent(agentId)}`)).rows));
  return html`<section id="agent-results">
    <h2>An agent's results</h2>
    <form onSubmit=${(e) => (e.preventDefault(), show())}>
      <label>Agent <input id="agent" value=${agentId} onInput=${(e) => setAgentId(e.currentTarget.value)} required /></label>
      <button type="submit">Show</button>
      <button type="button" id="agents-csv" onClick=${downloadCsv}>All agents, CSV</button>
    </form>
    <${Problem} text=${problem} />
    ${rows && html`<${DataTable} rows=${rows} rowKey=${(r) => r.week} empty="no review of this agent yet" columns=${[
      { key: 'week', label: 'Week' },
      { key: 'monitored', label: 'Monitored', format: (n, r) => `${n} of ${r.minimum}` },
      { key: 'averageScore', label: 'Average score', format: (s) => percent(s) },
      { key: 'failures', label: 'Failed criteria', format: (f) => Object.entries(f).map(([k, v]) => `${k} ${v}`).join(', ') || '–' },
      { key: 'feedbackHours', label: 'Call to feedback (h, mean)', format: (h) => (h === null ? '–' : h.toFixed(1)) },
    ]} />`}
  </section>`;
}

/** The agents' report as a CSV file: fetched with the key (a link could not send it), then saved. */
async function downloadCsv() {
  const text = await api('/qa/reports/agents.csv');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  link.download = `qa-agents-${today()}.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

/** The last failure of what the component did, and a wrapper that reports a failure there instead of throwing. */
function useProblem() {
  const [problem, setProblem] = useState(undefined);
  const guard = (work) => async (...args) => {
    try {
      setProblem(undefined);
      await work(...args);
    } catch (error) {
      setProblem(error.message);
    }
  };
  return [problem, guard];
}

function mondayOf(day) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

startPage({ title: 'QA', roles: ['qa', 'supervisor', 'admin'], Page: QaPage });
