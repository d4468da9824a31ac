// A page built on the shared web layer the way the real pages are, for the
// layer's own browser test: sign in, follow /live/events, list the counters.
import { html, useEffect, useState } from '/web/lib/ui.js';
import { startPage, PageHeader, DataTable } from '/web/lib/components.js';
import { followEvents } from '/web/lib/live.js';

function Counters({ me, signOut }) {
  const [link, setLink] = useState({ status: 'connecting' });
  const [rows, setRows] = useState([]);
  useEffect(() => {
    const stream = followEvents('/live/events', {
      onEvent: (type, event) => type === 'counter' && setRows((seen) => [...seen, { id: seen.length, ...event }]),
      onStatus: (status, why) => setLink({ status, why }),
    });
    return stream.close;
  }, []);
  return html`<${PageHeader} title="fixture" me=${me} link=${link} signOut=${signOut} />
    <main><section><${DataTable} columns=${[{ key: 'counter', label: 'Counter' }, { key: 'value', label: 'Value' }]} rows=${rows} empty="no counts yet" /></section></main>`;
}

startPage({ title: 'fixture', roles: ['supervisor', 'admin'], Page: Counters });
