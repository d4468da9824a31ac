// The agent page: signs in with the agent's key (kept in this tab's
// sessionStorage only), trades it for a one-time ticket, and works calls over
// the agent socket. Everything shown comes from the server and is put on the
// page as text, never as HTML.

const API = '/api/v1';
const KEY = 'outpace.agentKey';
const ENDPOINT = 'outpace.endpoint';
const $ = (id) => document.getElementById(id);

let socket;
/** The call in hand: its attempt, campaign, script and the answers given so far. */
let call;
let preview;
let dispositions = [];
let closing = false;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function log(text, kind = 'info') {
  $('log').prepend(el('li', { className: kind, textContent: `${new Date().toLocaleTimeString()} ${text}` }));
}

async function api(path, init = {}) {
  const response = await fetch(API + path, {
    ...init,
    headers: { authorization: `Bearer ${sessionStorage.getItem(KEY)}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = response.status === 204 ? undefined : await response.json();
  if (!response.ok) throw new Error(body?.message ?? `HTTP ${response.status}`);
  return body;
}

function send(message) {
  if (socket?.readyState !== WebSocket.OPEN) return log('not connected: wait for the connection to come back', 'error');
  socket.send(JSON.stringify(message));
}

// ---- signing in and the socket ----

async function signIn() {
  let me;
  try {
    me = await api('/agent/me');
  } catch (error) {
    sessionStorage.removeItem(KEY);
    $('sign-in').hidden = false;
    return log(`sign-in refused: ${error.message}`, 'error');
  }
  $('sign-in').hidden = true;
  $('desk').hidden = false;
  $('who').textContent = `${me.name} (${me.agentId})`;
  $('endpoint').value = sessionStorage.getItem(ENDPOINT) ?? '';
  $('campaigns').replaceChildren(el('legend', { textContent: 'Campaigns' }));
  $('manual-campaign').replaceChildren();
  for (const campaign of me.campaigns) {
    const box = el('input', { type: 'checkbox', value: campaign.id, checked: true });
    $('campaigns').append(el('label', {}, box, ` ${campaign.name}`));
    $('manual-campaign').append(el('option', { value: campaign.id, textContent: campaign.name }));
  }
  await connect();
}

async function connect() {
  closing = false;
  const { ticket } = await api('/agent/ticket', { method: 'POST' });
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  socket = new WebSocket(`${scheme}://${location.host}${API}/agent?ticket=${encodeURIComponent(ticket)}`);
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = (event) => {
    showState({ state: 'logged-out' }, 'disconnected');
    if (closing || event.code === 4000) return log(event.reason || 'disconnected');
    log('connection lost: reconnecting', 'error');
    setTimeout(() => connect().catch((error) => log(`reconnect failed: ${error.message}`, 'error')), 2000);
  };
}

function showState(message, text = message.state) {
  $('state').dataset.state = message.state;
  $('state').textContent = message.reason ? `${text} (${message.reason})` : text;
}

// ---- what the server says ----

function receive(message) {
  switch (message.type) {
    case 'hello':
      // Connected, not yet logged in to calls (a reopened page is told its state next).
      showState({ state: 'logged-out' }, 'logged out');
      return log(`connected as ${message.agentId}`);
    case 'state':
      // The call stays on screen until outpace says the agent has left its wrap-up.
      if (!['reserved', 'on-call', 'wrap-up'].includes(message.state)) endCall();
      return showState(message);
    case 'screen-pop':
      return showCall(message);
    case 'preview':
      return showPreview(message);
    case 'wrap-up':
      $('wrap-up').textContent = `wrap-up until ${new Date(message.deadline).toLocaleTimeString()}`;
      return log('wrap-up started');
    case 'ack':
      return log(`done: ${message.of}`);
    case 'error':
      // A refused disposition leaves the call open: the agent chooses again.
      $('disposition-form').querySelector('button').disabled = false;
      return log(message.message, 'error');
    default:
      return log(`unknown message ${message.type}`);
  }
}

function showLead(list, lead) {
  list.replaceChildren(el('dt', { textContent: 'phone' }), el('dd', { textContent: lead.phone }));
  for (const [name, value] of Object.entries(lead.fields)) list.append(el('dt', { textContent: name }), el('dd', { textContent: String(value) }));
}

function showPreview(message) {
  preview = message;
  $('preview').hidden = false;
  $('preview-campaign').textContent = message.campaign.name;
  showLead($('preview-lead'), message.lead);
  $('preview-script').replaceChildren(...(message.script ? message.script.questions.map((q) => el('p', { textContent: q.text })) : []));
}

async function showCall(message) {
  call = { ...message, answers: {} };
  $('preview').hidden = true;
  $('call').hidden = false;
  $('call-campaign').textContent = message.campaign.name;
  $('wrap-up').textContent = '';
  $('lead-phone').value = message.lead.phone;
  $('lead-fields').replaceChildren(
    ...Object.entries(message.lead.fields).map(([name, value]) => el('label', {}, `${name} `, el('input', { name, value: String(value) }))),
  );
  $('script-name').textContent = message.script?.name ?? '';
  $('script').replaceChildren();
  renderScript();
  try {
    ({ dispositions } = await api(`/campaigns/${message.campaign.id}/dispositions`));
  } catch (error) {
    log(`dispositions unavailable: ${error.message}`, 'error');
  }
  $('disposition').replaceChildren(
    el('option', { value: '', textContent: 'choose…' }),
    ...dispositions.map((d) => el('option', { value: d.code, textContent: d.label })),
  );
  $('callback').hidden = true;
  $('disposition-form').querySelector('button').disabled = false;
}

function endCall() {
  call = undefined;
  $('call').hidden = true;
}

// ---- the script: questions one after another along the answers' branches ----

/** Where the script goes after an item, as the server decides it (src/agents/scripts/answers.ts). */
function nextItem(item, answer) {
  if (answer !== undefined) {
    const branch = (item.branches ?? []).find((b) =>
      'when' in b
        ? Array.isArray(answer) ? answer.includes(b.when) : answer === b.when
        : typeof answer === 'number' && (b.min === undefined || answer >= b.min) && (b.max === undefined || answer <= b.max),
    );
    if (branch) return branch.next;
  }
  return item.next;
}

function pathThrough(script, answers) {
  const byId = new Map(script.questions.map((q) => [q.id, q]));
  const path = [];
  for (let item = byId.get(script.start); item; item = byId.get(nextItem(item, answers[item.id]))) path.push(item);
  return path;
}

/**
 * Shows the questions on the path, keeping the ones already shown in place:
 * a question the agent is typing into must not be rebuilt under their hands.
 */
function renderScript() {
  const box = $('script');
  const shown = new Map([...box.children].map((node) => [node.id, node]));
  const path = call?.script ? pathThrough(call.script, call.answers) : [];
  path.forEach((item, i) => {
    const node = shown.get(`q-${item.id}`) ?? renderItem(item);
    if (box.children[i] !== node) box.insertBefore(node, box.children[i] ?? null);
  });
  while (box.children.length > path.length) box.lastElementChild.remove();
}

function answer(item, value) {
  if (value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value))) return;
  call.answers[item.id] = value;
  const onPath = new Set(pathThrough(call.script, call.answers).map((q) => q.id));
  for (const id of Object.keys(call.answers)) if (!onPath.has(id)) delete call.answers[id];
  send({ type: 'script.answers', attemptId: call.attemptId, answers: { [item.id]: value } });
  renderScript();
}

function renderItem(item) {
  const box = el('div', { className: 'question', id: `q-${item.id}` }, el('p', { textContent: item.text }));
  const given = call.answers[item.id];
  const name = `answer-${item.id}`;
  const choice = (type, value, label, checked, onChange) =>
    el('label', {}, el('input', { type, name, value, checked, onchange: onChange }), ` ${label} `);
  switch (item.kind) {
    case 'section':
      break;
    case 'single-choice':
      box.append(...item.options.map((o) => choice('radio', o.value, o.label, given === o.value, () => answer(item, o.value))));
      break;
    case 'multiple-choice':
      box.append(
        ...item.options.map((o) =>
          choice('checkbox', o.value, o.label, (given ?? []).includes(o.value), () =>
            answer(item, [...box.querySelectorAll('input:checked')].map((i) => i.value)),
          ),
        ),
      );
      break;
    case 'yes-no':
      box.append(choice('radio', 'yes', 'yes', given === true, () => answer(item, true)), choice('radio', 'no', 'no', given === false, () => answer(item, false)));
      break;
    case 'number':
      box.append(el('input', { type: 'number', name, value: given ?? '', min: item.min ?? '', max: item.max ?? '', onchange: (e) => answer(item, e.target.valueAsNumber) }));
      break;
    case 'free-text':
      box.append(el('textarea', { name, value: given ?? '', maxLength: item.maxLength, onchange: (e) => answer(item, e.target.value) }));
      break;
  }
  return box;
}

// ---- what the agent does ----

function selectedCampaigns() {
  return [...$('campaigns').querySelectorAll('input:checked')].map((i) => i.value);
}

function wire() {
  $('key-form').onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $('key').value.trim());
    $('key').value = '';
    void signIn();
  };
  $('login-form').onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem(ENDPOINT, $('endpoint').value.trim());
    send({ type: 'login', endpoint: $('endpoint').value.trim(), campaigns: selectedCampaigns() });
  };
  $('pause').onclick = () => send({ type: 'pause', reason: $('pause-reason').value });
  $('resume').onclick = () => send({ type: 'resume' });
  $('logout').onclick = () => send({ type: 'logout' });
  $('sign-out').onclick = () => {
    closing = true;
    sessionStorage.removeItem(KEY);
    socket?.close();
    location.reload();
  };
  $('manual-form').onsubmit = (e) => {
    e.preventDefault();
    send({ type: 'manual.dial', phone: $('manual-phone').value.trim(), campaignId: $('manual-campaign').value });
  };
  $('preview-dial').onclick = () => preview && send({ type: 'preview.dial', leadId: preview.lead.id });
  $('preview-skip').onclick = () => {
    if (!preview) return;
    send({ type: 'preview.skip', leadId: preview.lead.id });
    $('preview').hidden = true;
  };
  $('lead-form').onsubmit = (e) => {
    e.preventDefault();
    if (!call) return;
    const fields = {};
    for (const input of $('lead-fields').querySelectorAll('input')) if (input.value !== String(call.lead.fields[input.name] ?? '')) fields[input.name] = input.value;
    const phone = $('lead-phone').value.trim();
    send({ type: 'lead.correct', attemptId: call.attemptId, fields, ...(phone !== call.lead.phone && { phone }) });
    // What was sent is what the lead now says, unless outpace answers with an error.
    call.lead = { ...call.lead, phone, fields: { ...call.lead.fields, ...fields } };
  };
  $('disposition').onchange = () => {
    $('callback').hidden = dispositions.find((d) => d.code === $('disposition').value)?.effect !== 'callback';
  };
  $('disposition-form').onsubmit = (e) => {
    e.preventDefault();
    if (!call) return;
    const at = $('callback').hidden ? undefined : $('callback-at').value;
    if (!$('callback').hidden && !at) return log('give the time to call back', 'error');
    send({
      type: 'disposition',
      attemptId: call.attemptId,
      code: $('disposition').value,
      ...(at && { callback: { at: new Date(at).toISOString(), for: $('callback-for').value } }),
    });
    $('disposition-form').querySelector('button').disabled = true;
    log(`disposition sent: ${$('disposition').value}`);
  };
}

wire();
if (sessionStorage.getItem(KEY)) void signIn();
