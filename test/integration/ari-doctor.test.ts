import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/telephony/ari/doctor-command.js';
import { REQUIRED_MODULES, ariDoctor } from '../../src/telephony/ari/doctor.js';
import { AriTestServer } from '../ari-server/server.js';
import { quietLogger, testServerLab, type TelephonyLab } from './telephony-lab.js';

let lab: TelephonyLab;
beforeAll(async () => {
  lab = await testServerLab();
});
afterAll(() => lab.close());

describe('outpace doctor, PBX side', () => {
  it('passes every check against a PBX set up as asterisk-config/ describes', async () => {
    const checks = await ariDoctor(lab.config('doctor'), ['carrier'], quietLogger);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.check)).toEqual([
      'ARI reachable',
      'credentials',
      ...REQUIRED_MODULES.map((m) => `module ${m}`),
      'trunk carrier',
      'Stasis event stream',
      'application outpace-doctor',
    ]);
    expect(checks[1]!.detail).toBe('Asterisk 22.10.1');
  });

  it('names what is wrong: a missing trunk, bad credentials, nothing listening', async () => {
    const trunk = await ariDoctor(lab.config('doctor'), ['nosuchtrunk'], quietLogger);
    expect(trunk.find((c) => c.check === 'trunk nosuchtrunk')).toMatchObject({ ok: false, detail: 'no such PJSIP endpoint: see pjsip.conf' });
    const creds = await ariDoctor({ ...lab.config('doctor'), ARI_PASSWORD: 'wrong' }, [], quietLogger);
    expect(creds.at(-1)).toMatchObject({ check: 'credentials', ok: false });
    const closed = await AriTestServer.start();
    const url = closed.url;
    await closed.close();
    const down = await ariDoctor({ ...lab.config('doctor'), ARI_URL: url }, [], quietLogger);
    expect(down).toEqual([expect.objectContaining({ check: 'ARI reachable', ok: false })]);
  });
});

describe('outpace doctor, the command', () => {
  it('prints one line per check and exits 0 when all pass', async () => {
    const { ARI_URL, ARI_USERNAME, ARI_PASSWORD } = lab.config('doctor');
    const env = { ARI_URL, ARI_USERNAME, ARI_PASSWORD, OUTPACE_TRUNKS: 'carrier' };
    let printed = '';
    const code = await runDoctor(env, { write: (s: string) => (printed += s) });
    expect(code).toBe(0);
    expect(printed).toMatch(/^✓ ARI reachable: http:\/\/127\.0\.0\.1:\d+\n✓ credentials: Asterisk 22\.10\.1\n/);
    expect(printed).toContain('✓ trunk carrier: PJSIP endpoint, state online');
    expect(printed.trim().split('\n').at(-1)).toBe('outpace can drive this Asterisk.');
  });

  it('exits 1 with the configuration problems when the environment is incomplete', async () => {
    let printed = '';
    const code = await runDoctor({}, { write: (s: string) => (printed += s) });
    expect(code).toBe(1);
    expect(printed).toMatch(/^✗ configuration\n[\s\S]*ARI_URL/);
  });
});
