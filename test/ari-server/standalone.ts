/**
 * The ARI test server in a process of its own, as Asterisk is to outpace: a
 * fault-injection run kills and restarts the engine beside it, or restarts
 * it (an Asterisk restart). Started with an IPC channel
 * (child_process.fork, `--import tsx`); it says `{ type: 'listening', url }`
 * once it serves, and answers the parent's messages:
 *
 *   { type: 'script', scripts: [[number, CallScript], ...] }  the far ends
 *   { type: 'agents', resources: ['agent1', ...] }           softphones that auto-answer
 *   { type: 'state' }   -> { type: 'state', channels, bridges, faults, originatedAttempts, recordings, bridged (each bridge's channel names) }
 *   { type: 'cut', ms }  every event WebSocket dropped and refused for ms (events meanwhile lost)
 *   { type: 'hang', ms }  REST requests made for ms never served (Asterisk's sessionlimit reached)
 *   { type: 'trunk', trunk, reachable }  the carrier behind a trunk stops (or starts again) answering qualify
 *   { type: 'hangup', endpoint }  the far end of the live channel on that endpoint hangs up (cause 16)
 *   { type: 'link', links: [[endpoint, url], ...] }  inter-PBX link endpoints and the test servers they lead to (a trunk, for 'trunk')
 *
 * Environment: ARI_TEST_PORT (0: any), ARI_TEST_TIME_SCALE (default 1).
 */
import type { CallScript } from './call-script.js';
import { AriTestServer } from './server.js';

type Request =
  | { type: 'script'; scripts: Array<[string, CallScript]> }
  | { type: 'agents'; resources: string[] }
  | { type: 'state' }
  | { type: 'cut'; ms: number }
  | { type: 'hang'; ms: number }
  | { type: 'trunk'; trunk: string; reachable: boolean }
  | { type: 'link'; links: Array<[string, string]> }
  | { type: 'hangup'; endpoint: string };

const send = (message: Record<string, unknown>) => process.send?.(message);
const server = await AriTestServer.start({
  port: Number(process.env.ARI_TEST_PORT ?? 0),
  timeScale: Number(process.env.ARI_TEST_TIME_SCALE ?? 1),
  keepLog: false,
});
process.on('message', (message: Request) => {
  const { pbx } = server;
  switch (message.type) {
    case 'script':
      for (const [number, script] of message.scripts) pbx.script(number, script);
      return send({ type: 'scripted' });
    case 'agents':
      for (const resource of message.resources) pbx.registerAgentPhone(resource);
      return send({ type: 'registered' });
    case 'cut':
      server.suspendEvents();
      setTimeout(() => server.resumeEvents(), message.ms);
      return send({ type: 'cut' });
    case 'hang':
      server.hangRequests(message.ms);
      return send({ type: 'hanging' });
    case 'trunk':
      pbx.trunkReachable(message.trunk, message.reachable);
      return send({ type: 'trunk' });
    case 'hangup': {
      const channel = pbx.liveChannelOn(message.endpoint);
      if (channel) pbx.farEndHangsUp(channel.id);
      return send({ type: 'hung-up', channel: channel?.name });
    }
    case 'link':
      for (const [endpoint, url] of message.links) pbx.linkTo(endpoint, url);
      return send({ type: 'linked' });
    case 'state':
      return send({
        type: 'state',
        channels: pbx.list().map((c) => c.id),
        bridges: [...pbx.bridges.keys()],
        faults: pbx.faults,
        originatedAttempts: [...pbx.originatedAttempts],
        recordings: [...pbx.storedRecordings.keys(), ...pbx.liveRecordings.keys()],
        bridged: [...pbx.bridges.values()].map((b) => b.channels.map((id) => pbx.channels.get(id)?.name ?? id)),
      });
  }
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
send({ type: 'listening', url: server.url });
