/**
 * `outpace doctor` against the lab, as a telephony engineer runs it after
 * copying asterisk-config/ and dialplan/ onto a PBX: every check passes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lab } from './support.js';

describe('outpace doctor on the lab PBX', () => {
  it('passes every check: ARI, credentials, modules, the trunk, the event stream', async () => {
    const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'doctor'], {
      env: { PATH: process.env['PATH'], ARI_URL: lab.ariUrl, ARI_USERNAME: lab.username, ARI_PASSWORD: lab.password, OUTPACE_TRUNKS: 'carrier' },
    });
    expect(stdout).toContain('✓ credentials: Asterisk 22.10.1');
    expect(stdout).toContain('✓ trunk carrier: PJSIP endpoint, state online');
    expect(stdout).not.toContain('✗');
    expect(stdout.trim().split('\n').at(-1)).toBe('outpace can drive this Asterisk.');
  });
});
