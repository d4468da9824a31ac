/**
 * The REST operations of ARI that outpace uses, with Asterisk's status codes
 * and bodies (transcripts *.rest.txt): 200 with the resource for creations
 * that return one, 201 for recordings and playbacks, 204 for commands.
 */
import { bridgeJson, channelJson, recordingJson, storedRecordingJson } from './models.js';
import { AriRequestError, type SimPbx } from './pbx.js';

export interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly handle: (params: string[], query: URLSearchParams, body: unknown) => Reply | Promise<Reply>;
}

interface Reply {
  readonly status: number;
  /** JSON, or the bytes of a file when `contentType` is given. */
  readonly body?: unknown;
  readonly contentType?: string;
}

const ok = (body: unknown) => ({ status: 200, body });
const created = (body: unknown) => ({ status: 201, body });
const noContent = () => ({ status: 204 });

/** ari-client sends `variables` as a JSON body, either bare or wrapped in { variables }. */
function variablesOf(body: unknown): Record<string, string> | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const inner = (body as { variables?: unknown }).variables ?? body;
  return Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function num(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  return v === null ? undefined : Number(v);
}

function opt(q: URLSearchParams, name: string): string | undefined {
  return q.get(name) ?? undefined;
}

export function routes(pbx: SimPbx, connectedApps: () => string[]): Route[] {
  const originate = async (channelId: string | undefined, q: URLSearchParams, body: unknown) => {
    await pbx.originateDelay('before');
    const reply = ok(
      channelJson(
        pbx.originate({
          endpoint: opt(q, 'endpoint'),
          app: opt(q, 'app'),
          appArgs: opt(q, 'appArgs'),
          context: opt(q, 'context'),
          callerId: opt(q, 'callerId'),
          timeoutSec: num(q, 'timeout'),
          channelId: channelId ?? opt(q, 'channelId'),
          variables: variablesOf(body),
        }),
      ),
    );
    await pbx.originateDelay('after');
    return reply;
  };
  const record = (targetUri: string, app: string | undefined, q: URLSearchParams) =>
    created(recordingJson(pbx.record(targetUri, app, q.get('name') ?? '', q.get('format') ?? '', opt(q, 'ifExists'))));
  const snoop = (channelId: string, snoopId: string | undefined, q: URLSearchParams) => {
    const app = q.get('app');
    if (!app) throw new AriRequestError(400, 'Application name is required');
    return ok(channelJson(pbx.snoop(channelId, { app, appArgs: opt(q, 'appArgs'), snoopId: snoopId ?? opt(q, 'snoopId') })));
  };
  const play = (channelId: string, playbackId: string | undefined, q: URLSearchParams) =>
    created(pbx.play(channelId, q.getAll('media').flatMap((m) => m.split(',')), playbackId ?? opt(q, 'playbackId'), opt(q, 'lang')));
  const application = (name: string) => ({
    name,
    channel_ids: pbx.list().filter((c) => c.app === name).map((c) => c.id),
    bridge_ids: [...pbx.bridges.keys()].filter((id) => pbx.appOfBridge(id) === name),
    endpoint_ids: pbx.endpointsWatchedBy(name),
    device_names: [],
    events_allowed: [],
    events_disallowed: [],
  });
  const endpoint = (tech: string, resource: string) => ({
    technology: tech,
    resource,
    state: pbx.endpointState(`${tech}/${resource}`),
    channel_ids: pbx.list().filter((c) => c.endpoint === `${tech}/${resource}`).map((c) => c.id),
  });

  return [
    { method: 'GET', path: /^\/channels$/, handle: () => ok(pbx.list().map(channelJson)) },
    { method: 'POST', path: /^\/channels$/, handle: (_, q, b) => originate(undefined, q, b) },
    { method: 'POST', path: /^\/channels\/([^/]+)$/, handle: ([id], q, b) => originate(id, q, b) },
    { method: 'GET', path: /^\/channels\/([^/]+)$/, handle: ([id]) => ok(channelJson(pbx.get(id!))) },
    {
      method: 'DELETE',
      path: /^\/channels\/([^/]+)$/,
      handle: ([id], q) => (pbx.hangup(id!, num(q, 'reason_code')), noContent()),
    },
    { method: 'POST', path: /^\/channels\/([^/]+)\/answer$/, handle: ([id]) => (pbx.answer(id!), noContent()) },
    {
      method: 'POST',
      path: /^\/channels\/([^/]+)\/continue$/,
      handle: ([id], q) => (pbx.continueInDialplan(id!, opt(q, 'context')), noContent()),
    },
    { method: 'POST', path: /^\/channels\/([^/]+)\/moh$/, handle: ([id]) => (pbx.startMoh(id!), noContent()) },
    { method: 'DELETE', path: /^\/channels\/([^/]+)\/moh$/, handle: ([id]) => (pbx.stopMoh(id!), noContent()) },
    { method: 'POST', path: /^\/channels\/([^/]+)\/mute$/, handle: ([id], q) => (pbx.mute(id!, q.get('direction') ?? 'both', true), noContent()) },
    { method: 'DELETE', path: /^\/channels\/([^/]+)\/mute$/, handle: ([id], q) => (pbx.mute(id!, q.get('direction') ?? 'both', false), noContent()) },
    { method: 'POST', path: /^\/channels\/([^/]+)\/dtmf$/, handle: ([id], q) => (pbx.sendDtmf(id!, opt(q, 'dtmf')), noContent()) },
    { method: 'POST', path: /^\/channels\/([^/]+)\/play$/, handle: ([id], q) => play(id!, undefined, q) },
    { method: 'POST', path: /^\/channels\/([^/]+)\/play\/([^/]+)$/, handle: ([id, pb], q) => play(id!, pb, q) },
    { method: 'POST', path: /^\/channels\/([^/]+)\/snoop$/, handle: ([id], q) => snoop(id!, undefined, q) },
    { method: 'POST', path: /^\/channels\/([^/]+)\/snoop\/([^/]+)$/, handle: ([id, s], q) => snoop(id!, s, q) },
    {
      method: 'POST',
      path: /^\/channels\/([^/]+)\/record$/,
      handle: ([id], q) => created(recordingJson(pbx.recordChannel(id!, q.get('name') ?? '', q.get('format') ?? '', opt(q, 'ifExists')))),
    },
    {
      method: 'GET',
      path: /^\/channels\/([^/]+)\/variable$/,
      handle: ([id], q) => ok({ value: pbx.getVariable(id!, q.get('variable') ?? '') }),
    },
    {
      method: 'POST',
      path: /^\/channels\/([^/]+)\/variable$/,
      handle: ([id], q) => (pbx.setVariable(id!, q.get('variable') ?? '', q.get('value') ?? ''), noContent()),
    },
    { method: 'GET', path: /^\/bridges$/, handle: () => ok([...pbx.bridges.values()].map(bridgeJson)) },
    {
      method: 'POST',
      path: /^\/bridges$/,
      handle: (_, q) => ok(bridgeJson(pbx.createBridge(opt(q, 'bridgeId'), q.get('name') ?? ''))),
    },
    {
      method: 'POST',
      path: /^\/bridges\/([^/]+)$/,
      handle: ([id], q) => ok(bridgeJson(pbx.createBridge(id, q.get('name') ?? ''))),
    },
    { method: 'GET', path: /^\/bridges\/([^/]+)$/, handle: ([id]) => ok(bridgeJson(pbx.bridge(id!))) },
    { method: 'DELETE', path: /^\/playbacks\/([^/]+)$/, handle: ([id]) => (pbx.stopPlayback(id!), noContent()) },
    { method: 'DELETE', path: /^\/bridges\/([^/]+)$/, handle: ([id]) => (pbx.destroyBridge(id!), noContent()) },
    {
      method: 'POST',
      path: /^\/bridges\/([^/]+)\/addChannel$/,
      handle: ([id], q) => (pbx.addToBridge(id!, (q.get('channel') ?? '').split(','), q.get('inhibitConnectedLineUpdates') === 'true'), noContent()),
    },
    {
      method: 'POST',
      path: /^\/bridges\/([^/]+)\/removeChannel$/,
      handle: ([id], q) => (pbx.removeFromBridge(id!, q.get('channel') ?? ''), noContent()),
    },
    {
      method: 'POST',
      path: /^\/bridges\/([^/]+)\/record$/,
      handle: ([id], q) => (pbx.bridge(id!), record(`bridge:${id}`, pbx.appOfBridge(id!), q)),
    },
    { method: 'GET', path: /^\/recordings\/stored$/, handle: () => ok([...pbx.storedRecordings.values()].map(storedRecordingJson)) },
    {
      method: 'GET',
      path: /^\/recordings\/stored\/([^/]+)$/,
      handle: ([name]) => {
        const stored = pbx.storedRecordings.get(name!);
        if (!stored) throw new AriRequestError(404, 'Recording not found');
        return ok(storedRecordingJson(stored));
      },
    },
    {
      method: 'GET',
      path: /^\/recordings\/stored\/([^/]+)\/file$/,
      handle: ([name]) => {
        const file = pbx.storedFile(name!);
        return { status: 200, body: file.bytes, contentType: file.contentType };
      },
    },
    { method: 'DELETE', path: /^\/recordings\/stored\/([^/]+)$/, handle: ([name]) => (pbx.deleteStored(name!), noContent()) },
    {
      method: 'GET',
      path: /^\/recordings\/live\/([^/]+)$/,
      handle: ([name]) => {
        const live = pbx.liveRecordings.get(name!);
        if (!live) throw new AriRequestError(404, 'Recording not found');
        return ok(recordingJson(live));
      },
    },
    {
      method: 'POST',
      path: /^\/recordings\/live\/([^/]+)\/stop$/,
      handle: ([name]) => (pbx.stopRecording(name!), noContent()),
    },
    { method: 'GET', path: /^\/applications$/, handle: () => ok(connectedApps().map(application)) },
    {
      method: 'GET',
      path: /^\/applications\/([^/]+)$/,
      handle: ([name]) => {
        if (!connectedApps().includes(name!)) throw new AriRequestError(404, 'Application not found');
        return ok(application(name!));
      },
    },
    {
      method: 'POST',
      path: /^\/applications\/([^/]+)\/subscription$/,
      handle: ([name], q) => {
        if (!connectedApps().includes(name!)) throw new AriRequestError(404, 'Application does not exist.');
        const sources = q.getAll('eventSource').flatMap((s) => s.split(','));
        if (sources.length === 0) throw new AriRequestError(400, 'Missing parameter.');
        for (const source of sources) {
          // Only endpoint sources are followed by this server; what outpace subscribes to.
          const endpoint = /^endpoint:(.+)$/.exec(source)?.[1];
          if (!endpoint) throw new AriRequestError(400, `Invalid event source URI scheme: ${source}`);
          pbx.watchEndpoint(name!, endpoint);
        }
        return ok(application(name!));
      },
    },
    {
      method: 'GET',
      path: /^\/endpoints\/([^/]+)\/([^/]+)$/,
      handle: ([tech, res]) => {
        if (!pbx.hasEndpoint(`${tech}/${res}`)) throw new AriRequestError(404, 'Endpoint not found');
        return ok(endpoint(tech!, res!));
      },
    },
    {
      method: 'GET',
      path: /^\/asterisk\/modules\/([^/]+)$/,
      handle: ([name]) => ok({ name, description: name, use_count: 0, status: 'Running', support_level: 'core' }),
    },
    { method: 'GET', path: /^\/asterisk\/variable$/, handle: (_, q) => ok({ value: pbx.globalVariable(q.get('variable') ?? '') }) },
    {
      method: 'GET',
      path: /^\/asterisk\/info$/,
      handle: () => ok({ system: { version: '22.10.1', entity_id: '02:fc:00:00:00:01' } }),
    },
  ];
}
