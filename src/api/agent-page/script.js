// The campaign's script on the agent's screen: questions one after another
// along the answers' branches, as the server decides them
// (src/agents/scripts/answers.ts). Each answer is sent as it is given.
import { html, useState } from '/web/lib/ui.js';

/** Where the script goes after an item. */
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

export function pathThrough(script, answers) {
  const byId = new Map(script.questions.map((q) => [q.id, q]));
  const path = [];
  for (let item = byId.get(script.start); item; item = byId.get(nextItem(item, answers[item.id]))) path.push(item);
  return path;
}

/** The answers still on the path once `id` is answered `value`. */
export function answered(script, answers, id, value) {
  const next = { ...answers, [id]: value };
  const onPath = new Set(pathThrough(script, next).map((q) => q.id));
  return Object.fromEntries(Object.entries(next).filter(([key]) => onPath.has(key)));
}

export function Script({ script, answers, onAnswer }) {
  if (!script) return null;
  return html`<div id="script">
    <h3 id="script-name">${script.name}</h3>
    ${pathThrough(script, answers).map((item) => html`<${Question} key=${item.id} item=${item} given=${answers[item.id]} onAnswer=${onAnswer} />`)}
  </div>`;
}

function Question({ item, given, onAnswer }) {
  const name = `answer-${item.id}`;
  // What the agent is typing, kept across the page's re-renders (its timers tick) until it is sent.
  const [draft, setDraft] = useState(given ?? '');
  const give = (value) => {
    if (value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value))) return;
    onAnswer(item.id, value);
  };
  const choice = (type, value, label, checked, onChange) =>
    html`<label><input type=${type} name=${name} value=${value} checked=${checked} onChange=${onChange} /> ${label} </label>`;
  let input = null;
  switch (item.kind) {
    case 'single-choice':
      input = item.options.map((o) => choice('radio', o.value, o.label, given === o.value, () => give(o.value)));
      break;
    case 'multiple-choice':
      input = item.options.map((o) =>
        choice('checkbox', o.value, o.label, (given ?? []).includes(o.value), (e) =>
          give([...e.currentTarget.closest('.question').querySelectorAll('input:checked')].map((i) => i.value)),
        ),
      );
      break;
    case 'yes-no':
      input = [choice('radio', 'yes', 'yes', given === true, () => give(true)), choice('radio', 'no', 'no', given === false, () => give(false))];
      break;
    case 'number':
      input = html`<input type="number" name=${name} value=${draft} min=${item.min ?? ''} max=${item.max ?? ''}
        onInput=${(e) => setDraft(e.currentTarget.value)} onChange=${(e) => give(e.currentTarget.valueAsNumber)} />`;
      break;
    case 'free-text':
      input = html`<textarea name=${name} maxLength=${item.maxLength} value=${draft}
        onInput=${(e) => setDraft(e.currentTarget.value)} onChange=${(e) => give(e.currentTarget.value)}></textarea>`;
      break;
  }
  return html`<div class="question" id=${`q-${item.id}`}><p>${item.text}</p>${input}</div>`;
}
