// The pieces every page is built of: signing in, the header with who is signed
// in and how the live connection stands, state badges, tables and error lines.
// Everything from the server is rendered as text by Preact, never as HTML.
import { html, render, useEffect, useState } from './ui.js';
import { api, session } from './session.js';

/**
 * Runs a page: shows the sign-in form until a key of one of `roles` is given,
 * then renders `Page` with `me` ({ name, role, agentId }) and `signOut`.
 */
export function startPage({ title, roles, Page }) {
  document.title = `outpace: ${title}`;
  render(html`<${SignedIn} title=${title} roles=${roles} Page=${Page} />`, document.body);
}

function SignedIn({ title, roles, Page }) {
  const [me, setMe] = useState(undefined);
  const [problem, setProblem] = useState(undefined);

  async function check() {
    if (!session.key()) return setMe(null);
    try {
      const who = await api('/me');
      if (!roles.includes(who.role)) throw new Error(`a ${who.role} key does not open the ${title} page: sign in with a key for ${roles.join(' or ')}`);
      setProblem(undefined);
      setMe(who);
    } catch (error) {
      session.signOut();
      setProblem(`sign-in refused: ${error.message}`);
      setMe(null);
    }
  }
  useEffect(() => void check(), []);

  const signOut = () => {
    session.signOut();
    setMe(null);
  };
  if (me === undefined) return html`<${PageHeader} title=${title} />`;
  if (me === null) {
    return html`<${PageHeader} title=${title} />
      <main>
        <${SignIn} label=${`${roles[0] === 'agent' ? 'Agent' : 'API'} key`} onKey=${(key) => (session.signIn(key), check())} />
        <${Problem} text=${problem} />
      </main>`;
  }
  return html`<${Page} me=${me} signOut=${signOut} />`;
}

export function SignIn({ label, onKey }) {
  const [key, setKey] = useState('');
  return html`<section id="sign-in">
    <h2>Sign in</h2>
    <form onSubmit=${(event) => (event.preventDefault(), onKey(key))}>
      <label>${label} <input id="key" type="password" autocomplete="off" required value=${key} onInput=${(e) => setKey(e.currentTarget.value)} /></label>
      <button type="submit">Sign in</button>
    </form>
  </section>`;
}

/** The top bar: the page, who is signed in, the live connection's state, and whatever the page adds. */
export function PageHeader({ title, me, link, signOut, children }) {
  return html`<header>
    <h1>outpace <span class="page">${title}</span></h1>
    ${me && html`<span id="who">${me.name}${me.agentId ? ` (${me.agentId})` : ''}, ${me.role}</span>`}
    <span class="grow"></span>
    ${children}
    ${link && html`<${LinkStatus} ...${link} />`}
    ${signOut && html`<button class="quiet" onClick=${signOut}>Sign out</button>`}
  </header>`;
}

const LINK_TEXT = { connecting: 'connecting…', open: 'live', lost: 'reconnecting…', closed: 'disconnected' };

/** How the live connection stands: { status, why } as live.js reports it. */
export function LinkStatus({ status, why }) {
  return html`<span class="link" data-link=${status} title=${why ?? ''}>${LINK_TEXT[status] ?? status}</span>`;
}

/** A state (an agent's, a call's, a review's) as a coloured pill; web.css colours it by data-state. */
export function StateBadge({ state, text, id }) {
  return html`<span class="badge" id=${id} data-state=${state}>${text ?? state}</span>`;
}

/**
 * A table of `rows`: columns are { key, label, format?(value, row) }; `empty`
 * is said when there are no rows; onRow makes rows selectable.
 */
export function DataTable({ columns, rows, empty = 'nothing yet', onRow, selected, rowKey = (row) => row.id }) {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table>
    <thead><tr>${columns.map((c) => html`<th>${c.label}</th>`)}</tr></thead>
    <tbody>
      ${rows.map(
        (row) => html`<tr key=${rowKey(row)} class=${onRow ? 'pick' : ''} aria-selected=${selected !== undefined && rowKey(row) === selected}
          onClick=${onRow && (() => onRow(row))}>
          ${columns.map((c) => html`<td>${c.format ? c.format(row[c.key], row) : row[c.key]}</td>`)}
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** An error or refusal, in words, where the user looks. */
export function Problem({ text }) {
  return text ? html`<p class="problem" role="alert">${text}</p>` : null;
}
