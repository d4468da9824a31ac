/**
 * The live wallboard's data: what every engine process publishes to the
 * shared live state (agent states, calls in flight, today's counters), read
 * whole at /live and followed as it changes at /live/events (Server-Sent
 * Events, so a browser's EventSource or `curl -N` can watch it).
 */
import type { LiveEvent } from '../../coordination/coordination.js';
import { listCampaigns } from '../../campaigns/campaign-store.js';
import { READERS, type Api, type ApiContext } from '../context.js';
import { agentView, callView, countersView, eventView, isoTime } from '../views.js';

/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

export function liveRoutes(api: Api, { db, coordination, clock }: ApiContext): void {
  api.get('/live', { config: { roles: READERS } }, async () => {
    const now = clock.now();
    const campaigns = (await listCampaigns(db)).filter((c) => c.state === 'running' || c.state === 'paused');
    return {
      at: isoTime(now),
      agents: Object.fromEntries(Object.entries(await coordination.live.agentStates()).map(([id, agent]) => [id, agentView(agent)])),
      campaigns: await Promise.all(
        campaigns.map(async (c) => ({
          id: c.id,
          name: c.name,
          type: c.type,
          state: c.state,
          today: countersView(await coordination.live.counters(c.id, now)),
          callsInFlight: (await coordination.live.callsInFlight(c.id)).map(callView),
        })),
      ),
    };
  });

  api.get('/live/events', { config: { roles: READERS } }, async (request, reply) => {
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    out.write(': outpace live events\n\n');
    const send = (event: LiveEvent) => out.write(`event: ${event.type}\ndata: ${JSON.stringify(eventView(event))}\n\n`);
    const unsubscribe = await coordination.live.subscribe(send);
    const keepAlive = setInterval(() => out.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    request.raw.on('close', () => {
      clearInterval(keepAlive);
      void unsubscribe();
    });
  });
}
