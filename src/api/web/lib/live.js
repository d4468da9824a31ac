// The live connections a page keeps: the agent socket (a WebSocket opened with a
// one-time ticket) and server-sent event streams (read with fetch, because an
// EventSource cannot send the key). Both come back by themselves after a loss,
// waiting a little longer each time, and say how they stand through onStatus:
// 'connecting', 'open', 'lost' (retrying) or 'closed' (for good, with why).
import { api, authorization, API } from './session.js';

const RETRY_MS = [500, 1000, 2000, 5000];
const retryDelay = (failures) => RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];

/**
 * A socket at `path` (under /api/v1), its ticket from POST `ticketPath`.
 * The server closes with a code from 4000 up when the page must not come back
 * (signed in elsewhere, key withdrawn): then onStatus('closed', reason).
 * reconnectTo(engine) opens it again asking for that outpace engine
 * (`?engine=`), which the balancer in front of the engines routes by.
 */
export function openSocket(path, { ticketPath, onMessage, onStatus = () => {} }) {
  let socket;
  let stopped = false;
  let failures = 0;
  let timer;
  let engine;

  async function connect() {
    onStatus('connecting');
    try {
      const { ticket } = await api(ticketPath, { method: 'POST' });
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const routed = engine ? `&engine=${encodeURIComponent(engine)}` : '';
      socket = new WebSocket(`${scheme}://${location.host}${API}${path}?ticket=${encodeURIComponent(ticket)}${routed}`);
    } catch (error) {
      if (error.status === 401 || error.status === 403) return onStatus('closed', error.message);
      return retry(error.message);
    }
    socket.onopen = () => {
      failures = 0;
      onStatus('open');
    };
    socket.onmessage = (event) => onMessage(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (stopped) return;
      if (event.code >= 4000) return onStatus('closed', event.reason || 'the server closed the connection');
      retry(event.reason || 'connection lost');
    };
  }

  function retry(why) {
    if (stopped) return;
    onStatus('lost', why);
    timer = setTimeout(connect, retryDelay(failures++));
  }

  void connect();
  return {
    send(message) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000);
    },
    // At once the first time; asked for the same engine again (the balancer did not route by it), after the usual wait.
    reconnectTo(wanted) {
      if (stopped) return;
      const again = wanted === engine;
      engine = wanted;
      if (socket) {
        socket.onclose = null;
        socket.close(1000);
      }
      clearTimeout(timer);
      timer = setTimeout(connect, again ? retryDelay(failures++) : 0);
    },
  };
}

/** Follows the server-sent events at `path` (under /api/v1): onEvent(type, data) for each. */
export function followEvents(path, { onEvent, onStatus = () => {} }) {
  const controller = new AbortController();
  let failures = 0;

  async function follow() {
    onStatus('connecting');
    const response = await fetch(API + path, { headers: authorization(), signal: controller.signal });
    if (response.status === 401 || response.status === 403) {
      const body = await response.json().catch(() => ({}));
      return onStatus('closed', body.message ?? `HTTP ${response.status}`);
    }
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    failures = 0;
    onStatus('open');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffered += value;
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        dispatch(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
  }

  function dispatch(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) onEvent(type, JSON.parse(data.join('\n')));
  }

  async function run() {
    while (!controller.signal.aborted) {
      try {
        await follow();
        return;
      } catch (error) {
        if (controller.signal.aborted) return;
        onStatus('lost', error.message);
        await new Promise((resolve) => setTimeout(resolve, retryDelay(failures++)));
      }
    }
  }

  void run();
  return { close: () => controller.abort() };
}
