import { describe, expect, it } from 'vitest';
import { loadAriConfig, trunkEndpoint } from '../../src/telephony/ari/config.js';

const valid = { ARI_URL: 'http://pbx:8088', ARI_USERNAME: 'outpace', ARI_PASSWORD: 'secret' };

describe('ARI configuration from the environment', () => {
  it('fills in defaults around the three required settings', () => {
    const config = loadAriConfig(valid);
    expect(config).toMatchObject({
      ARI_APP: 'outpace',
      ARI_TRUNK_ENDPOINT: 'PJSIP/{number}@{trunk}',
      ARI_AMD_CONTEXT: 'outpace-amd',
      ARI_MAX_CONCURRENT_REQUESTS: 20,
      ARI_REQUEST_TIMEOUT_MS: 5000,
    });
    expect(config.OUTPACE_ENGINE_ID).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('lists every problem at once, saying what to set', () => {
    expect(() => loadAriConfig({ ARI_URL: 'pbx:8088', ARI_PASSWORD: '' })).toThrow(
      /ARI_URL: ARI_URL must be the http\(s\) address[\s\S]*ARI_USERNAME: ARI_USERNAME must name a user of ari.conf[\s\S]*ARI_PASSWORD: ARI_PASSWORD must not be empty/,
    );
  });

  it('refuses a request concurrency near Asterisk\'s HTTP session limit', () => {
    expect(() => loadAriConfig({ ...valid, ARI_MAX_CONCURRENT_REQUESTS: '90' })).toThrow(/at or below 50/);
  });

  it('refuses a trunk template without the number', () => {
    expect(() => loadAriConfig({ ...valid, ARI_TRUNK_ENDPOINT: 'PJSIP/carrier' })).toThrow(/must contain \{number\}/);
  });

  it('keeps agents on nailed-up legs unless told to ring them per call', () => {
    expect(loadAriConfig(valid)).toMatchObject({ ARI_AGENT_CONNECTION: 'nailed-up', ARI_AGENT_ANSWER_TIMEOUT_SEC: 3 });
    expect(loadAriConfig({ ...valid, ARI_AGENT_CONNECTION: 'ring-per-call', ARI_AGENT_ANSWER_TIMEOUT_SEC: '5' })).toMatchObject({
      ARI_AGENT_CONNECTION: 'ring-per-call',
      ARI_AGENT_ANSWER_TIMEOUT_SEC: 5,
    });
    expect(() => loadAriConfig({ ...valid, ARI_AGENT_CONNECTION: 'per-call' })).toThrow(/ARI_AGENT_CONNECTION must be one of nailed-up, ring-per-call/);
    expect(() => loadAriConfig({ ...valid, ARI_AGENT_ANSWER_TIMEOUT_SEC: '1.5' })).toThrow(/must be whole seconds/);
  });

  it('builds the dial string from the template', () => {
    expect(trunkEndpoint('PJSIP/{number}@{trunk}', '+442071234567', 'carrier')).toBe('PJSIP/+442071234567@carrier');
    expect(trunkEndpoint('SIP/{trunk}/00{number}', '4420', 'gw')).toBe('SIP/gw/004420');
  });
});
