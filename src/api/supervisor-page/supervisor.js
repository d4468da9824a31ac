// The supervisor's floor: agents, calls and campaigns as the engines report
// them, read whole once (/supervisor/floor) and then followed on the live event
// stream (no polling); the controls a supervisor has (start and pause a
// campaign, its abandon target and mode, pause or log out an agent, listen,
// whisper, barge); and charts of the abandon rate and occupancy through the day.
import { html, useEffect, useMemo, useState } from '/web/lib/ui.js';
import { api } from '/web/lib/session.js';
import { followEvents } from '/web/lib/live.js';
import { DataTable, PageHeader, Problem, StateBadge, startPage } from '/web/lib/components.js';
import { clockTime, duration, percent } from '/web/lib/format.js';
import { TimeChart } from '/supervisor/charts.js';

const ROLES = ['supervisor', 'campaign-manager', 'admin'];
const PHASE = { dialing: 'ringing', ringing: 'ringing', answered: 'waiting', connected: 'talking' };
const LIMITS = {
  'no-active-agents': 'no agent ready or on a call',
  'lines-per-agent': 'lines per agent',
  'campaign-lines': "the campaign's lines",
  'trunk-lines': "the trunk's lines",
  'trunk-calls-per-second': "the trunk's calls per second",
  'hopper-empty': 'no lead at hand',
  'window-closed': 'the calling window',
  'no-leads': 'no lead left',
  lines: "the campaign's lines",
  'calls-per-second': "the trunk's calls per second",
  spread: 'the spread to the "finish by"',
};
const MODES = ['preview', 'progressive', 'power', 'predictive'];
/** As the server says it (src/supervisor/floor.ts). */
const PAUSED = 'the campaign is paused: start it to dial';
const NO_SAMPLES = { times: [], window: [], hour: [], occupancy: [] };
const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

startPage({ title: 'supervisor', roles: ROLES, Page: Floor });

function Floor({ me, signOut }) {
  const [floor, setFloor] = useState(null);
  const [link, setLink] = useState({ status: 'connecting' });
  const [problem, setProblem] = useState(undefined);
  const [softphone, setSoftphone] = useState(localStorage.getItem('outpace.softphone') ?? '');
  // The charted campaign's abandon rates and occupancy: its day so far, then a sample per pacing report.
  const [samples, setSamples] = useState(NO_SAMPLES);
  const [now, setNow] = useState(Date.now());

  // The server's clock (the demo's runs faster than the wall's) is followed from what it sends.
  const load = () => api('/supervisor/floor').then((f) => setFloor((old) => heardAt({ ...f, clock: old?.clock, supervisions: old?.supervisions }, Date.parse(f.at))), (e) => setProblem(e.message));
  useEffect(() => {
    void load();
    const onEvent = (type, data) => {
      setFloor((f) => (f ? heardAt(applyEvent(f, type, data), eventTime(data)) : f));
      // A campaign started (perhaps from a draft, not on the page yet) is read whole, with the server's explanations.
      if (type === 'campaign' && data.campaign.state === 'running') void load();
    };
    const events = followEvents('/live/events', { onEvent, onStatus: (status, why) => setLink({ status, why }) });
    // Times in state tick on the page's own clock; nothing is asked of the server.
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => (events.close(), clearInterval(tick));
  }, []);

  // The charts follow the first campaign on the floor: its day so far, read once, then each of its pacing reports.
  const charted = floor?.campaigns[0];
  useEffect(() => {
    if (!charted) return;
    // Another campaign charted (the first one stopped): its own day, not the last one's samples.
    setSamples(NO_SAMPLES);
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    api(`/supervisor/campaigns/${charted.id}/day?timeZone=${encodeURIComponent(zone)}`).then((day) => setSamples((live) => dayThenLive(day, live)), (e) => setProblem(e.message));
  }, [charted?.id]);

  // Each pacing report adds a point to the charts: the rates it carries, and occupancy from the agents' states.
  useEffect(() => {
    const latest = charted?.pacing;
    if (!latest) return;
    const at = Date.parse(latest.at) / 1000;
    setSamples((s) => (at <= (s.times.at(-1) ?? -Infinity) ? s : {
      times: [...s.times, at].slice(-2000),
      window: [...s.window, latest.abandonRate].slice(-2000),
      hour: [...s.hour, latest.abandonRateLastHour].slice(-2000),
      occupancy: [...s.occupancy, occupancyOf(floor.agents)].slice(-2000),
    }));
  }, [floor]);

  const act = async (path, body) => {
    try {
      setProblem(undefined);
      await api(path, { method: 'POST', body });
      await load();
    } catch (e) {
      setProblem(e.message);
    }
  };
  const saveSoftphone = (value) => (setSoftphone(value), localStorage.setItem('outpace.softphone', value));

  if (!floor) return html`<${PageHeader} title="supervisor" me=${me} link=${link} signOut=${signOut} /><main><${Problem} text=${problem} /></main>`;
  const target = charted?.abandonTarget ?? 0.03;
  return html`<${PageHeader} title="supervisor" me=${me} link=${link} signOut=${signOut}>
      <label>Your softphone <input id="softphone" placeholder="PJSIP/sup1" value=${softphone} onInput=${(e) => saveSoftphone(e.currentTarget.value)} /></label>
    <//>
    <main>
      <${Problem} text=${problem} />
      <section class="campaigns">${floor.campaigns.map((c) => html`<${CampaignCard} key=${c.id} c=${c} act=${act} />`)}</section>
      <section>
        <h2>Through the day${charted ? `: ${charted.name}` : ''}</h2>
        <div class="charts">
          <${TimeChart} id="abandon-chart" title="Abandon rate" data=${[samples.times, samples.window, samples.hour, samples.times.map(() => target)]}
            series=${[{ label: 'regulatory window', stroke: '#a01818' }, { label: 'last hour', stroke: '#e07b00' }, { label: 'target', stroke: '#555', dash: [6, 4] }]} />
          <${TimeChart} id="occupancy-chart" title="Occupancy" data=${[samples.times, samples.occupancy]} series=${[{ label: 'occupancy', stroke: '#2a5bd7' }]} percent=${false} />
        </div>
      </section>
      <${Supervisions} floor=${floor} act=${act} />
      <${Calls} floor=${floor} />
      <${Agents} floor=${floor} now=${floor.clock.at + (now - floor.clock.heardAt)} act=${act} softphone=${softphone} />
    </main>`;
}

function CampaignCard({ c, act }) {
  const [targetInput, setTargetInput] = useState(String((c.abandonTarget * 100).toFixed(1)));
  const [mode, setMode] = useState(c.mode);
  // Changed elsewhere (another supervisor, the API): the form shows what holds now.
  useEffect(() => setTargetInput(String((c.abandonTarget * 100).toFixed(1))), [c.abandonTarget]);
  useEffect(() => setMode(c.mode), [c.mode]);
  const p = c.pacing;
  const over = p && p.abandonRate > c.abandonTarget;
  return html`<article class="campaign" data-campaign=${c.id}>
    <h2>${c.name} <${StateBadge} state=${c.state} /> <small>${c.type}, ${c.mode}</small></h2>
    <dl class="figures">
      <dt>Dial level</dt><dd class="dial-level">${p ? p.dialLevel.toFixed(2) : '–'}</dd>
      <dt>Last decision</dt><dd class="decision">${p ? `${p.dials} of ${p.proposed} wanted${p.limitedBy ? `, cut by ${LIMITS[p.limitedBy] ?? p.limitedBy}` : ''} (${p.policy})` : 'no engine has reported'}</dd>
      <dt>Expected free agents / live answers</dt><dd>${p ? `${fixed(p.expectedFreeAgents)} / ${fixed(p.expectedLiveAnswers)}` : '–'}</dd>
      <dt>Abandon rate (window)</dt><dd class=${over ? 'over abandon' : 'abandon'}>${p ? percent(p.abandonRate, 2) : '–'} against ${percent(c.abandonTarget)} (legal cap ${c.legalCap === null ? 'none' : percent(c.legalCap)})${p?.detectionFalsePositives != null ? `, with ${p.detectionFalsePositives.toFixed(1)} estimated machine-detection false positives` : ''}</dd>
      <dt>Abandon rate (last hour)</dt><dd>${p ? percent(p.abandonRateLastHour, 2) : '–'}</dd>
      <dt>Leads at hand</dt><dd>${p ? p.leadsAvailable : '–'}</dd>
      <dt>Today</dt><dd class="today">${Object.entries(c.today).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing yet'}</dd>
    </dl>
    ${c.whyNotDialing.length > 0 && html`<div class="why">Not dialing: ${c.whyNotDialing.join('; ')}</div>`}
    <div class="actions">
      ${c.state === 'running'
        ? html`<button class="pause-campaign" onClick=${() => act(`/campaigns/${c.id}/pause`)}>Pause campaign</button>`
        : html`<button class="start-campaign" onClick=${() => act(`/campaigns/${c.id}/start`)}>Start campaign</button>`}
    </div>
    <form class="pacing" onSubmit=${(e) => (e.preventDefault(), act(`/supervisor/campaigns/${c.id}/pacing`, { abandonTarget: Number(targetInput) / 100, mode }))}>
      <label>Abandon target % <input class="narrow target" type="number" step="0.1" min="0" value=${targetInput} onInput=${(e) => setTargetInput(e.currentTarget.value)} /></label>
      <select class="mode" value=${mode} onChange=${(e) => setMode(e.currentTarget.value)}>${MODES.map((m) => html`<option value=${m}>${m}</option>`)}</select>
      <button type="submit">Apply</button>
    </form>
  </article>`;
}

/** The listens, whispers and barges under way, as the engines report them, each with its end. */
function Supervisions({ floor, act }) {
  const running = floor.supervisions ?? [];
  if (running.length === 0) return null;
  return html`<section id="supervisions">
    <h2>Supervising</h2>
    ${running.map((s) => html`<p key=${s.sessionId}>${s.mode} ${s.agentId} since ${clockTime(s.at)}
      <button onClick=${() => act(`/supervisor/supervisions/${s.sessionId}/end`)}>End</button></p>`)}
  </section>`;
}

function Calls({ floor }) {
  const calls = floor.campaigns.flatMap((c) => c.calls.map((call) => ({ ...call, campaign: c.name, floorPhase: PHASE[call.phase] })));
  const count = (phase) => calls.filter((c) => c.floorPhase === phase).length;
  return html`<section id="calls">
    <h2>Calls</h2>
    <p class="calls-by-phase"><span>ringing <b id="ringing">${count('ringing')}</b></span><span>waiting for an agent <b id="waiting">${count('waiting')}</b></span><span>talking <b id="talking">${count('talking')}</b></span></p>
  </section>`;
}

function Agents({ floor, now, act, softphone }) {
  const callOf = useMemo(() => new Map(floor.campaigns.flatMap((c) => c.calls.filter((call) => call.agentId).map((call) => [call.agentId, call]))), [floor]);
  const nameOf = new Map(floor.campaigns.map((c) => [c.id, c.name]));
  const rows = floor.agents.filter((a) => a.state !== 'logged-out').sort((a, b) => a.id.localeCompare(b.id));
  const supervise = (id, mode) => act(`/supervisor/agents/${encodeURIComponent(id)}/supervise`, { endpoint: softphone, mode });
  return html`<section id="agents">
    <h2>Agents (${rows.length})</h2>
    <${DataTable} rowKey=${(a) => a.id} rows=${rows} empty="no agent logged in" columns=${[
      { key: 'id', label: 'Agent' },
      { key: 'state', label: 'State', format: (s) => html`<${StateBadge} state=${s} />` },
      { key: 'since', label: 'In state', format: (since) => duration(now - Date.parse(since)) },
      { key: 'campaignId', label: 'Campaign', format: (id) => nameOf.get(id) ?? id ?? '' },
      { key: 'id', label: 'Call', format: (id) => { const call = callOf.get(id); return call ? `${PHASE[call.phase]} since ${clockTime(call.since)}` : ''; } },
      { key: 'id', label: '', format: (id) => html`<span class="actions">
          <button onClick=${() => act(`/supervisor/agents/${encodeURIComponent(id)}/pause`, { reason: 'coaching' })}>Pause</button>
          <button onClick=${() => act(`/supervisor/agents/${encodeURIComponent(id)}/logout`)}>Log out</button>
          ${callOf.has(id) && softphone && ['listen', 'whisper', 'barge'].map((mode) => html`<button onClick=${() => supervise(id, mode)}>${mode}</button>`)}
        </span>` },
    ]} />
  </section>`;
}

/**
 * The server's clock as last heard (the demo's runs faster than the wall's):
 * the latest time it sent, and when; times in state count from there.
 */
function heardAt(floor, at) {
  if (!Number.isFinite(at) || (floor.clock && floor.clock.at >= at)) return floor.clock ? floor : { ...floor, clock: { at: Date.now(), heardAt: Date.now() } };
  return { ...floor, clock: { at, heardAt: Date.now() } };
}

const eventTime = (data) => Date.parse(data.pacing?.at ?? data.agent?.since ?? data.call?.since ?? data.campaign?.at ?? '');

/** The floor after one live event: agents, calls, counters and pacing move; the rest waits for the next read. */
function applyEvent(floor, type, data) {
  const campaigns = (change) => floor.campaigns.map((c) => (c.id === (data.campaignId ?? data.call?.campaignId ?? data.campaign?.campaignId) ? change(c) : c));
  switch (type) {
    case 'agent-state':
      return { ...floor, agents: [...floor.agents.filter((a) => a.id !== data.agentId), { id: data.agentId, ...data.agent }] };
    case 'call':
      return { ...floor, campaigns: campaigns((c) => ({ ...c, calls: [...c.calls.filter((x) => x.attemptId !== data.call.attemptId), data.call] })) };
    case 'call-ended':
      return { ...floor, campaigns: campaigns((c) => ({ ...c, calls: c.calls.filter((x) => x.attemptId !== data.attemptId) })) };
    case 'counter':
      return { ...floor, campaigns: campaigns((c) => ({ ...c, today: { ...c.today, [camel(data.counter)]: data.value } })) };
    case 'supervision': {
      const others = (floor.supervisions ?? []).filter((x) => x.sessionId !== data.supervision.sessionId);
      return { ...floor, supervisions: data.supervision.state === 'started' ? [...others, data.supervision] : others };
    }
    case 'pacing':
      return { ...floor, campaigns: campaigns((c) => ({ ...c, pacing: data.pacing, whyNotDialing: whyNot(c, data.pacing) })) };
    case 'campaign': {
      // Started, paused, stopped or retargeted elsewhere: a stopped campaign leaves the floor, as it does on a read.
      const { state, mode, abandonTarget } = data.campaign;
      if (state !== 'running' && state !== 'paused') return { ...floor, campaigns: floor.campaigns.filter((c) => c.id !== data.campaign.campaignId) };
      return {
        ...floor,
        campaigns: campaigns((c) => ({ ...c, state, mode, abandonTarget, whyNotDialing: state === 'paused' ? [PAUSED] : [] })),
      };
    }
    default:
      return floor;
  }
}

/**
 * Why a decision dialed nothing: the server's fuller explanation (read with the floor) while it holds, else the limit.
 * A campaign not running says so whatever a last decision, made before its pause, reports.
 */
function whyNot(campaign, pacing) {
  if (campaign.state !== 'running') return campaign.whyNotDialing;
  if (pacing.dials > 0) return [];
  if (campaign.whyNotDialing.length > 0) return campaign.whyNotDialing;
  return pacing.limitedBy ? [LIMITS[pacing.limitedBy] ?? pacing.limitedBy] : ['the pacing policy expects the agents to be busy enough'];
}

/**
 * The day so far (quarter hours from midnight, read from storage) ahead of the
 * samples heard live since the page opened; uPlot wants its times in order.
 */
function dayThenLive(day, live) {
  const first = live.times[0] ?? Infinity;
  const past = day.points.filter((p) => Date.parse(p.at) / 1000 < first);
  return {
    times: [...past.map((p) => Date.parse(p.at) / 1000), ...live.times],
    window: [...past.map((p) => p.abandonRate), ...live.window],
    hour: [...past.map((p) => p.abandonRateLastHour), ...live.hour],
    occupancy: [...past.map((p) => p.occupancy), ...live.occupancy],
  };
}

/** On calls or in wrap-up, over agents logged in. */
function occupancyOf(agents) {
  const logged = agents.filter((a) => a.state !== 'logged-out');
  return logged.length === 0 ? null : logged.filter((a) => ['on-call', 'wrap-up'].includes(a.state)).length / logged.length;
}

const fixed = (x) => (x === null || x === undefined ? '–' : x.toFixed(1));
