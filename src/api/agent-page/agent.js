// The agent page: signs in with the agent's key (the web layer keeps it in this
// tab's session), works calls over the agent socket, and shows times by the
// server's clock (the demo's simulated one), never the browser's. A page that
// loses its socket comes back by itself and is told where the agent stands; an
// agent logged in when it was lost is logged in again (their engine may have
// been lost, and another one takes their campaign over: it refuses the login
// until it runs the campaign, and the page asks again); a second tab takes the
// desk over, and this one says so.
import { html, useEffect, useRef, useState } from '/web/lib/ui.js';
import { PageHeader, Problem, StateBadge, startPage } from '/web/lib/components.js';
import { api } from '/web/lib/session.js';
import { openSocket } from '/web/lib/live.js';
import { clockTime } from '/web/lib/format.js';
import { CallPanel } from './call.js';
import { answered } from './script.js';

const ENDPOINT = 'outpace.endpoint';
const PAUSE_REASONS = ['break', 'lunch', 'training', 'meeting', 'coaching', 'technical', 'other'];
const NO_CONTROLS = { held: false, muted: false, consulting: undefined };
const BUSY = ['reserved', 'on-call', 'wrap-up'];

startPage({ title: 'agent', roles: ['agent'], Page: Desk });

/** How long to wait before logging in again while the engine is still taking the campaign over. */
const LOGIN_AGAIN_MS = 2000;

/** Where each control leaves hold, mute and a consultation, once the PBX has done it. */
function controlsAfter(controls, m) {
  if (m.failed) return { ...NO_CONTROLS, muted: controls.muted };
  switch (m.control) {
    case 'hold':
      return { ...controls, held: true };
    case 'resume':
      return { ...controls, held: false };
    case 'mute':
      return { ...controls, muted: true };
    case 'unmute':
      return { ...controls, muted: false };
    case 'consult':
      return { ...controls, held: true, consulting: m.target };
    case 'cancel':
    case 'complete':
    case 'transfer':
      return { ...controls, held: false, consulting: undefined };
    default:
      return controls;
  }
}

function Desk({ me, signOut }) {
  const [link, setLink] = useState({ status: 'connecting' });
  const [replaced, setReplaced] = useState(undefined);
  const [campaigns, setCampaigns] = useState([]);
  // The campaigns the agent unticked: held here, or the next render (the clock's, each second) would tick them again.
  const [leftOut, setLeftOut] = useState(() => new Set());
  const tickCampaign = (id, ticked) =>
    setLeftOut((s) => {
      const next = new Set(s);
      if (ticked) next.delete(id);
      else next.add(id);
      return next;
    });
  const [desk, setDesk] = useState({ state: 'logged-out' });
  const [call, setCall] = useState(undefined);
  const [preview, setPreview] = useState(undefined);
  const [wrapUp, setWrapUp] = useState(undefined);
  const [controls, setControls] = useState(NO_CONTROLS);
  const [chosen, setChosen] = useState(undefined);
  const [sending, setSending] = useState(false);
  const [clock, setClock] = useState(undefined);
  const [log, setLog] = useState([]);
  const [, tick] = useState(0);
  const socket = useRef(undefined);
  // The agent's login, sent again after the socket comes back from a loss, and while an engine is taking the campaign over.
  const lastLogin = useRef(undefined);
  const loginAgain = useRef(false);
  const [generation, setGeneration] = useState(0);
  const [endpoint, setEndpoint] = useState(sessionStorage.getItem(ENDPOINT) ?? '');

  const now = clock ? clock.serverAt + (Date.now() - clock.localAt) * clock.rate : Date.now();
  const say = (text, kind = 'info') => setLog((entries) => [{ at: now, text, kind }, ...entries].slice(0, 50));

  function receive(m) {
    switch (m.type) {
      case 'hello':
        setClock({ serverAt: Date.parse(m.now), localAt: Date.now(), rate: m.rate ?? 1 });
        setDesk({ state: 'logged-out' });
        say(`connected as ${m.agentId}`);
        if (loginAgain.current && lastLogin.current) {
          loginAgain.current = false;
          socket.current?.send(lastLogin.current);
          say('logging in again');
        }
        return;
      case 'state':
        setDesk(m);
        if (!BUSY.includes(m.state)) {
          setCall(undefined);
          setPreview(undefined);
          setWrapUp(undefined);
        }
        if (m.state === 'on-call') setPreview(undefined);
        return;
      case 'screen-pop':
        setCall((current) => (current?.attemptId === m.attemptId ? { ...m, answers: current.answers } : { ...m, answers: {} }));
        // A reopened page is told where the call stands: on hold, muted, consulting.
        setControls({ ...NO_CONTROLS, ...m.controls });
        setChosen(undefined);
        setSending(false);
        return;
      case 'preview':
        return setPreview(m);
      case 'wrap-up':
        setWrapUp(m);
        return say('wrap-up started');
      case 'control':
        setControls((c) => controlsAfter(c, m));
        return m.failed ? say(`${m.control} failed: ${m.failed}`, 'error') : say(`done: ${m.control}`);
      case 'ack':
        return say(`done: ${m.of}`);
      case 'error':
        setSending(false);
        if (m.rule === 'campaign-run-elsewhere' && lastLogin.current) {
          // Another engine runs the campaign: reconnect to it, and log in there once it says hello.
          if (m.runBy) {
            loginAgain.current = true;
            socket.current?.reconnectTo(m.runBy);
          } else setTimeout(() => socket.current?.send(lastLogin.current), LOGIN_AGAIN_MS);
        }
        return say(m.message, 'error');
    }
  }

  useEffect(() => {
    api('/agent/me').then((agent) => setCampaigns(agent.campaigns), (error) => say(`campaigns unavailable: ${error.message}`, 'error'));
  }, []);

  // The socket's callbacks outlive this render: they call the latest ones.
  const latest = useRef(undefined);
  latest.current = { receive, say, loggedIn: desk.state !== 'logged-out' };
  useEffect(() => {
    setReplaced(undefined);
    socket.current = openSocket('/agent', {
      ticketPath: '/agent/ticket',
      onMessage: (m) => latest.current.receive(m),
      onStatus: (status, why) => {
        setLink({ status, why });
        if (status === 'closed') setReplaced(why);
        if (status === 'lost') {
          latest.current.say(`connection lost (${why}): reconnecting`, 'error');
          if (latest.current.loggedIn) loginAgain.current = true;
        }
      },
    });
    return () => socket.current?.close();
  }, [generation]);

  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, []);

  const send = (message) => {
    if (!socket.current?.send(message)) say('not connected: wait for the connection to come back', 'error');
  };
  const control = (c) => call && send({ type: 'call.control', attemptId: call.attemptId, control: c });
  const dispose = (d) => {
    if (!call) return;
    setSending(true);
    send({ type: 'disposition', attemptId: call.attemptId, ...d });
    say(`disposition sent: ${d.code}`);
  };
  const pauseReason = useRef(undefined);

  useEffect(() => {
    const onKey = (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName)) return;
      const key = e.key.toLowerCase();
      if (key === 'r') send({ type: 'resume' });
      else if (key === 'p') send({ type: 'pause', reason: pauseReason.current?.value ?? 'break' });
      else if (key === 'h' && desk.state === 'on-call') control({ kind: 'hangup' });
      else if (key === 'o' && desk.state === 'on-call') control({ kind: controls.held ? 'resume' : 'hold' });
      else if (key === 'm' && desk.state === 'on-call') control({ kind: controls.muted ? 'unmute' : 'mute' });
      else if (/^[1-9]$/.test(key) && call) {
        const d = call.card.dispositions[Number(key) - 1];
        if (!d) return;
        setChosen(d.code);
        // A code that needs no callback closes the call at once in wrap-up; a callback waits for its time.
        if (desk.state === 'wrap-up' && !d.callback && !sending) dispose({ code: d.code });
      } else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const login = (e) => {
    e.preventDefault();
    const chosenCampaigns = [...e.currentTarget.querySelectorAll('input[name="campaign"]:checked')].map((i) => i.value);
    sessionStorage.setItem(ENDPOINT, endpoint.trim());
    lastLogin.current = { type: 'login', endpoint: endpoint.trim(), ...(chosenCampaigns.length > 0 && { campaigns: chosenCampaigns }) };
    send(lastLogin.current);
  };
  const dial = (e) => {
    e.preventDefault();
    send({ type: 'manual.dial', phone: e.currentTarget.phone.value.trim(), campaignId: e.currentTarget.campaign.value });
  };

  return html`<${PageHeader} title="agent" me=${me} link=${link} signOut=${signOut}>
      <span id="server-time" title="the server's clock">${clockTime(new Date(now).toISOString())}</span>
      <${StateBadge} id="state" state=${desk.state} text=${desk.reason ? `${desk.state} (${desk.reason})` : desk.state} />
    <//>
    <main>
      ${replaced &&
      html`<div class="notice" id="replaced" role="alert">This desk is closed here: ${replaced}.
        <button onClick=${() => setGeneration((g) => g + 1)}>Use this tab instead</button></div>`}
      <section id="desk">
        <form id="login-form" onSubmit=${login}>
          <label>Softphone endpoint <input id="endpoint" name="endpoint" placeholder="PJSIP/alice" required value=${endpoint} onInput=${(e) => setEndpoint(e.currentTarget.value)} /></label>
          <fieldset id="campaigns">${campaigns.map((c) => html`<label><input type="checkbox" name="campaign" value=${c.id} checked=${!leftOut.has(c.id)} onChange=${(e) => tickCampaign(c.id, e.currentTarget.checked)} /> ${c.name}</label>`)}</fieldset>
          <button type="submit" id="login">Log in to calls</button>
        </form>
        <div class="desk-bar">
          <label>Pause reason <select id="pause-reason" ref=${pauseReason}>${PAUSE_REASONS.map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
          <button id="pause" onClick=${() => send({ type: 'pause', reason: pauseReason.current.value })}>Pause<kbd>P</kbd></button>
          <button id="resume" onClick=${() => send({ type: 'resume' })}>Ready<kbd>R</kbd></button>
          <button
            id="logout"
            onClick=${() => {
              lastLogin.current = undefined;
              send({ type: 'logout' });
            }}
          >
            Log out
          </button>
        </div>
        <form id="manual-form" onSubmit=${dial}>
          <label>Dial by hand <input id="manual-phone" name="phone" placeholder="+12025550123" required /></label>
          <select id="manual-campaign" name="campaign">${campaigns.map((c) => html`<option value=${c.id}>${c.name}</option>`)}</select>
          <button type="submit">Dial</button>
        </form>
      </section>
      ${preview && !call &&
      html`<section id="preview">
        <h2>Next lead: <span id="preview-campaign">${preview.campaign.name}</span></h2>
        <dl class="fields">${(preview.card?.fields ?? []).map((f) => html`<dt>${f.label}</dt><dd>${String(f.value ?? '')}</dd>`)}</dl>
        <button id="preview-dial" onClick=${() => send({ type: 'preview.dial', leadId: preview.lead.id })}>Dial</button>
        <button id="preview-skip" onClick=${() => (send({ type: 'preview.skip', leadId: preview.lead.id }), setPreview(undefined))}>Skip</button>
      </section>`}
      ${call &&
      html`<${CallPanel} call=${call} state=${desk.state} stateAt=${Date.parse(desk.at ?? new Date(now).toISOString())} wrapUp=${wrapUp} now=${now}
        controls=${controls} control=${control} send=${send} chosen=${chosen} onChoose=${setChosen} sending=${sending} onDisposition=${dispose}
        onAnswer=${(id, value) => {
          setCall((c) => ({ ...c, answers: answered(c.script, c.answers, id, value) }));
          send({ type: 'script.answers', attemptId: call.attemptId, answers: { [id]: value } });
        }} />`}
      <section>
        <h2>Messages</h2>
        <ol id="log">${log.map((entry) => html`<li class=${entry.kind}>${clockTime(new Date(entry.at).toISOString())} ${entry.text}</li>`)}</ol>
        <${Problem} text=${link.status === 'closed' && !replaced ? link.why : undefined} />
      </section>
    </main>`;
}
