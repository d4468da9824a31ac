import { describe, expect, it } from 'vitest';
import { everyDay } from '../../src/campaigns/calling-window.js';
import { resolvePacing, type Campaign } from '../../src/campaigns/campaign.js';
import type { ComplianceProfile } from '../../src/campaigns/compliance.js';
import { complianceFeasibility, lawBreaches } from '../../src/campaigns/feasibility.js';
import type { CampaignId } from '../../src/domain/ids.js';
import type { PacingSettings } from '../../src/pacing/settings.js';

function campaign(profile: ComplianceProfile, pacing: Partial<PacingSettings>, extra: Partial<Campaign> = {}): Campaign {
  return {
    id: '00000000-0000-4000-8000-000000000001' as CampaignId,
    name: 'c',
    type: 'agent',
    state: 'draft',
    complianceProfile: profile,
    pacing: resolvePacing(profile, pacing),
    callerId: '+442071234567',
    trunkId: null,
    rules: {},
    recording: 'all',
    abandonMessage: null,
    machineMessage: null,
    broadcastMessage: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    archivedAt: null,
    complianceOverrides: [],
    ...extra,
  };
}

const detecting = { machineDetection: true, machinePolicy: 'hangup' } as const;

describe('compliance feasibility, said before dialing', () => {
  it('says when estimated detection false positives alone reach the target, with the figures and what to change', () => {
    // Measured: 15% of answers are machine verdicts, a fifth of them people: 3% / (85% + 3%) = 3.4% of live answers.
    const [finding] = complianceFeasibility(campaign('uk', { ...detecting, detectionFalsePositiveRate: 0.2 }), { answered: 1000, machines: 150 });
    expect(finding).toMatchObject({ rule: 'detection-false-positives', severity: 'infeasible' });
    expect(finding!.figures.falsePositiveAbandonRate).toBeCloseTo(0.03 / 0.88, 6);
    expect(finding!.message).toMatch(/machines at 15.0% of this campaign's 1000 answered calls.*false positives alone make 3.4% of live answers abandoned, against a target of 3.0%/);
    expect(finding!.message).toMatch(/turn machine detection off, send machines to agents \(machinePolicy to-agent\), or lower detectionFalsePositiveRate .* sampling/);
    // Assumed share until the campaign has answers enough; half the target used up is a warning.
    const [assumed] = complianceFeasibility(campaign('uk', { ...detecting, detectionFalsePositiveRate: 0.12 }), { answered: 10, machines: 9 });
    expect(assumed).toMatchObject({ severity: 'warning', message: expect.stringMatching(/an assumed 15.0%/) });
    // Not counted (US), machines to agents, or no detection: nothing to say.
    expect(complianceFeasibility(campaign('us', { ...detecting, detectionFalsePositiveRate: 0.2 }))).toEqual([]);
    expect(complianceFeasibility(campaign('uk', { ...detecting, machinePolicy: 'to-agent', detectionFalsePositiveRate: 0.2 }))).toEqual([]);
  });

  it('does the arithmetic of a connect deadline counted from the answer while detection decides', () => {
    const [finding] = complianceFeasibility(campaign('uk', { ...detecting, connectDeadlineFrom: 'answer', connectDeadlineSec: 2, detectionFalsePositiveRate: 0 }));
    expect(finding).toMatchObject({ rule: 'connect-deadline', severity: 'infeasible', figures: { secondsLeft: 0 } });
    expect(finding!.message).toMatch(/takes about 2 s to decide .* 0.0 s are left .* most live answers are abandoned in every dial mode/);
    expect(complianceFeasibility(campaign('uk', { ...detecting, connectDeadlineFrom: 'answer', connectDeadlineSec: 2.8, detectionFalsePositiveRate: 0 }))[0]).toMatchObject({
      severity: 'warning',
    });
    expect(complianceFeasibility(campaign('uk', { ...detecting, connectDeadlineFrom: 'greeting-end', detectionFalsePositiveRate: 0 }))).toEqual([]);
  });

  it('finds a target above the law and a window wider than it, and flags them when overridden', () => {
    expect(lawBreaches('us', resolvePacing('us', { abandonTarget: 0.04 }), {})).toMatchObject([
      { rule: 'abandon-target', field: 'pacing.abandonTarget', message: expect.stringMatching(/4.0% is above the us profile's legal cap of 3.0% \(47 CFR/) },
    ]);
    expect(lawBreaches('ca', resolvePacing('ca', {}), {})).toEqual([]);
    expect(lawBreaches('us', resolvePacing('us', {}), { callingWindow: { days: { sat: { start: '07:30', end: '20:00' } } } })).toMatchObject([
      { rule: 'calling-window', message: expect.stringMatching(/beyond the us profile's legal hours on sat/) },
    ]);
    // Ofcom sets no hours.
    expect(lawBreaches('uk', resolvePacing('uk', {}), { callingWindow: everyDay('07:00', '22:00') })).toEqual([]);
    const overridden = campaign('us', { abandonTarget: 0.04 }, { complianceOverrides: ['abandon-target'] });
    expect(complianceFeasibility(overridden)).toMatchObject([{ rule: 'abandon-target', severity: 'overridden' }]);
  });
});
