// The call in hand on the agent's screen: the customer (fields under the
// campaign's labels, local time and calling window, earlier attempts), the
// call controls, the script, and the wrap-up's disposition with notes and a
// callback scheduled in the customer's own time zone.
import { html, useState } from '/web/lib/ui.js';
import { DataTable } from '/web/lib/components.js';
import { clockTime, duration } from '/web/lib/format.js';
import { Script } from './script.js';

/** A local wall time ('2026-01-14T10:00') in `zone`, as an ISO instant: what the customer's clock will read then. */
export function zonedToIso(local, zone) {
  const asUtc = Date.parse(`${local}:00Z`);
  const offsetAt = (t) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .formatToParts(t)
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - t;
  };
  const first = asUtc - offsetAt(asUtc);
  return new Date(asUtc - offsetAt(first)).toISOString();
}

const HISTORY_COLUMNS = [
  { key: 'at', label: 'When', format: (at) => new Date(at).toISOString().slice(0, 16).replace('T', ' ') },
  { key: 'campaign', label: 'Campaign' },
  { key: 'outcome', label: 'Outcome' },
  { key: 'dispositionLabel', label: 'Disposition', format: (label, row) => label ?? row.disposition ?? '' },
  { key: 'note', label: 'Notes', format: (note) => note ?? '' },
  { key: 'agentId', label: 'Agent', format: (agent) => agent ?? '' },
];

/** The customer: their fields (the editable ones as inputs, to correct), local time and window, history. */
export function Customer({ card, lead, now, onCorrect }) {
  const [edits, setEdits] = useState({});
  const [phone, setPhone] = useState(lead.phone);
  const zone = card.customer.timeZones[0];
  const window = card.customer.today ? `${card.customer.today.start}-${card.customer.today.end}` : 'closed today';
  const save = (e) => {
    e.preventDefault();
    onCorrect({ fields: edits, ...(phone !== lead.phone && { phone }) });
    setEdits({});
  };
  return html`<div id="customer">
    <p id="customer-time">Customer's time: <strong>${clockTime(new Date(now).toISOString(), zone)}</strong> (${zone}) ·
      <span class="window" data-open=${String(card.customer.open)}>calling window ${window}${card.customer.open ? '' : ': closed now'}</span></p>
    <form id="lead-form" onSubmit=${save}>
      <dl class="fields" id="lead-fields">
        <dt>Phone</dt><dd><input id="lead-phone" value=${phone} onInput=${(e) => setPhone(e.currentTarget.value)} /></dd>
        ${card.fields.map(
          (f) => html`<dt>${f.label}</dt><dd>${f.editable
            ? html`<input name=${f.name} value=${edits[f.name] ?? String(f.value ?? '')} onInput=${(e) => setEdits({ ...edits, [f.name]: e.currentTarget.value })} />`
            : html`<span data-field=${f.name}>${String(f.value ?? '')}</span>`}</dd>`,
        )}
      </dl>
      <button type="submit">Save corrections</button>
    </form>
    <h3>Earlier calls</h3>
    <div id="history"><${DataTable} columns=${HISTORY_COLUMNS} rows=${card.history} rowKey=${(r) => r.at} empty="no earlier call to this customer" /></div>
  </div>`;
}

/** Hang up, hold, mute, tones, transfers and a conference, as the call allows. */
export function CallControls({ control, controls }) {
  const [to, setTo] = useState('');
  const [digits, setDigits] = useState('');
  const target = () => (/^[+\d][\d\s()-]*$/.test(to.trim()) ? { number: to.trim() } : { agentId: to.trim() });
  const withTarget = (kind) => () => to.trim() && control({ kind, to: target() });
  return html`<div class="controls" id="call-controls">
    <button id="hangup" onClick=${() => control({ kind: 'hangup' })}>Hang up<kbd>H</kbd></button>
    <button id="hold" aria-pressed=${String(controls.held)} disabled=${Boolean(controls.consulting)}
      onClick=${() => control({ kind: controls.held ? 'resume' : 'hold' })}>${controls.held ? 'Resume' : 'Hold'}<kbd>O</kbd></button>
    <button id="mute" aria-pressed=${String(controls.muted)} onClick=${() => control({ kind: controls.muted ? 'unmute' : 'mute' })}>${controls.muted ? 'Unmute' : 'Mute'}<kbd>M</kbd></button>
    <form onSubmit=${(e) => (e.preventDefault(), digits && control({ kind: 'dtmf', digits }), setDigits(''))}>
      <input id="dtmf" size="6" placeholder="tones" value=${digits} onInput=${(e) => setDigits(e.currentTarget.value)} /><button>Send tones</button>
    </form>
    <input id="transfer-to" placeholder="number or agent" value=${to} onInput=${(e) => setTo(e.currentTarget.value)} />
    ${controls.consulting
      ? html`<button id="complete" onClick=${() => control({ kind: 'complete' })}>Complete transfer</button>
          <button id="cancel-consult" onClick=${() => control({ kind: 'cancel' })}>Cancel, back to customer</button>`
      : html`<button id="transfer" onClick=${withTarget('transfer')}>Transfer</button>
          <button id="consult" onClick=${withTarget('consult')}>Consult</button>
          <button id="conference" onClick=${() => to.trim() && control({ kind: 'conference', to: { number: to.trim() } })}>Conference</button>`}
  </div>`;
}

/** The disposition: the agents' codes with their shortcut digits, notes, and a callback in the customer's zone. */
export function Disposition({ card, chosen, onChoose, onSend, sending }) {
  const [note, setNote] = useState('');
  const [at, setAt] = useState('');
  const [forWhom, setFor] = useState('me');
  const zone = card.customer.timeZones[0];
  const needsCallback = card.dispositions.find((d) => d.code === chosen)?.callback;
  const submit = (e) => {
    e.preventDefault();
    if (!chosen) return;
    onSend({ code: chosen, note: note.trim() || undefined, ...(needsCallback && at && { callback: { at: zonedToIso(at, zone), for: forWhom } }) });
  };
  return html`<form id="disposition-form" onSubmit=${submit}>
    <label>Disposition <select id="disposition" required value=${chosen ?? ''} onChange=${(e) => onChoose(e.currentTarget.value)}>
      <option value="">choose…</option>
      ${card.dispositions.map((d, i) => html`<option value=${d.code}>${i < 9 ? `${i + 1} · ` : ''}${d.label}</option>`)}
    </select></label>
    ${needsCallback &&
    html`<span id="callback">
      <label>Call back at <input id="callback-at" type="datetime-local" required value=${at} onInput=${(e) => setAt(e.currentTarget.value)} /> ${zone}</label>
      <select id="callback-for" value=${forWhom} onChange=${(e) => setFor(e.currentTarget.value)}><option value="me">by me</option><option value="anyone">by anyone</option></select>
    </span>`}
    <label class="grow">Notes <textarea id="notes" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea></label>
    <button type="submit" disabled=${sending}>Close the call</button>
  </form>`;
}

export function CallPanel({ call, state, stateAt, wrapUp, now, controls, control, send, onAnswer, chosen, onChoose, sending, onDisposition }) {
  const talking = state === 'on-call';
  return html`<section id="call">
    <h2>Call: <span id="call-campaign">${call.campaign.name}</span> ·
      ${talking && html`<span class="timer" id="call-timer">${duration(now - stateAt)}</span>`}
      ${state === 'wrap-up' && wrapUp && html`<span class="timer" id="wrap-up">wrap-up ${wrapUp.deadline ? `${duration(Date.parse(wrapUp.deadline) - now)} left` : ''}</span>`}
      ${controls.held && html` <span class="badge" data-state="wrap-up" id="on-hold">customer on hold</span>`}
    </h2>
    ${talking && html`<${CallControls} control=${control} controls=${controls} />`}
    <${Customer} key=${call.attemptId} card=${call.card} lead=${call.lead} now=${now}
      onCorrect=${(c) => send({ type: 'lead.correct', attemptId: call.attemptId, ...c })} />
    <${Script} script=${call.script} answers=${call.answers} onAnswer=${onAnswer} />
    <${Disposition} key=${`d-${call.attemptId}`} card=${call.card} chosen=${chosen} onChoose=${onChoose} sending=${sending} onSend=${onDisposition} />
  </section>`;
}
