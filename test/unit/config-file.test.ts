import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withConfigFile } from '../../src/config/environment.js';

describe('OUTPACE_CONFIG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpace-config-'));

  it('fills settings from the file, and the environment wins', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ ARI_URL: 'http://pbx:8088', PORT: 9000, ARI_APP: 'outpace' }));
    const env = withConfigFile({ OUTPACE_CONFIG: file, ARI_APP: 'dialer' });
    expect(env['ARI_URL']).toBe('http://pbx:8088');
    expect(env['PORT']).toBe('9000');
    expect(env['ARI_APP']).toBe('dialer');
  });

  it('says what is wrong with a bad file', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ariUrl: 'x', PORT: { nested: true } }));
    expect(() => withConfigFile({ OUTPACE_CONFIG: file })).toThrow(/not a valid configuration[\s\S]*ariUrl[\s\S]*ARI_URL[\s\S]*PORT/);
    expect(() => withConfigFile({ OUTPACE_CONFIG: join(dir, 'missing.json') })).toThrow(/could not be read as JSON/);
  });

  it('changes nothing without OUTPACE_CONFIG', () => {
    const env = { PORT: '1' };
    expect(withConfigFile(env)).toBe(env);
  });
});
