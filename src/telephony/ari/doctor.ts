/**
 * `outpace doctor` for the PBX side: checks, in the order a telephony
 * engineer would, that outpace can drive this Asterisk: ARI answers, the
 * credentials work, the modules outpace relies on run, the trunk exists, and
 * the Stasis application can connect.
 */
import type { Logger } from 'pino';
import { connectAri } from './ari-connection.js';
import type { AriConfig } from './config.js';

export interface DoctorCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Modules without which a feature fails at the first call rather than at start. */
export const REQUIRED_MODULES = ['res_stasis_snoop.so', 'res_stasis_recording.so', 'res_stasis_playback.so', 'app_amd.so', 'chan_pjsip.so'];

export async function ariDoctor(config: AriConfig, trunks: readonly string[], logger: Logger): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const base = `${config.ARI_URL.replace(/\/$/, '')}/ari`;
  const headers = { authorization: `Basic ${Buffer.from(`${config.ARI_USERNAME}:${config.ARI_PASSWORD}`).toString('base64')}` };
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(config.ARI_REQUEST_TIMEOUT_MS) });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
  };

  let info;
  try {
    info = await get('/asterisk/info');
  } catch (err) {
    return [{ check: 'ARI reachable', ok: false, detail: `${config.ARI_URL} does not answer (${String(err)}): check http.conf and the network` }];
  }
  checks.push({ check: 'ARI reachable', ok: true, detail: config.ARI_URL });
  if (info.status === 401) return [...checks, { check: 'credentials', ok: false, detail: 'refused: check ARI_USERNAME / ARI_PASSWORD against ari.conf' }];
  const version = (info.body?.['system'] as { version?: string } | undefined)?.version ?? 'unknown';
  checks.push({ check: 'credentials', ok: info.status === 200, detail: `Asterisk ${version}` });

  for (const module of REQUIRED_MODULES) {
    const res = await get(`/asterisk/modules/${module}`);
    const status = res.body?.['status'];
    checks.push({ check: `module ${module}`, ok: res.status === 200 && status === 'Running', detail: res.status === 200 ? String(status) : 'not loaded: see modules.conf' });
  }

  for (const trunk of trunks) {
    const res = await get(`/endpoints/PJSIP/${encodeURIComponent(trunk)}`);
    checks.push({
      check: `trunk ${trunk}`,
      ok: res.status === 200,
      detail: res.status === 200 ? `PJSIP endpoint, state ${String(res.body?.['state'])}` : 'no such PJSIP endpoint: see pjsip.conf',
    });
  }

  // Under its own application name: Asterisk gives each name one WebSocket, and a running engine must keep ARI_APP.
  const probeApp = `${config.ARI_APP}-doctor`;
  try {
    const connection = await connectAri({
      url: config.ARI_URL,
      username: config.ARI_USERNAME,
      password: config.ARI_PASSWORD,
      app: probeApp,
      logger,
      onEvent: () => undefined,
      onReconnected: () => undefined,
    });
    const app = await get(`/applications/${probeApp}`);
    connection.close();
    checks.push({ check: 'Stasis event stream', ok: app.status === 200, detail: app.status === 200 ? 'connects' : `not registered (${app.status})` });
  } catch (err) {
    checks.push({ check: 'Stasis event stream', ok: false, detail: String(err) });
  }
  const engine = await get(`/applications/${config.ARI_APP}`);
  checks.push({
    check: `application ${config.ARI_APP}`,
    ok: true,
    detail: engine.status === 200 ? 'registered: an engine is (or was) connected' : 'not registered yet: no engine has connected',
  });
  return checks;
}
