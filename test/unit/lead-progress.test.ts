import { describe, expect, it } from 'vitest';
import { effectiveRules } from '../../src/campaigns/compliance.js';
import { stepAfterAttempt, stepAfterDisposition } from '../../src/campaigns/lead-progress.js';
import { HOUR, MINUTE } from '../../src/domain/time.js';

const rules = effectiveRules('us', {});
const AT = 1_000_000;

describe('where a lead goes after an attempt', () => {
  it('retries busy after 10 minutes, no answer after 2 hours, machine after 4 hours', () => {
    expect(stepAfterAttempt({ outcome: 'busy', abandoned: false }, 1, rules, AT)).toEqual({ state: 'ready', nextAttemptAt: AT + 10 * MINUTE });
    expect(stepAfterAttempt({ outcome: 'no-answer', abandoned: false }, 1, rules, AT)).toEqual({ state: 'ready', nextAttemptAt: AT + 2 * HOUR });
    expect(stepAfterAttempt({ outcome: 'machine', abandoned: false }, 1, rules, AT)).toEqual({ state: 'ready', nextAttemptAt: AT + 4 * HOUR });
  });

  it('is done after a conversation or an invalid number, and exhausted after the seventh attempt', () => {
    expect(stepAfterAttempt({ outcome: 'live', abandoned: false }, 1, rules, AT).state).toBe('done');
    expect(stepAfterAttempt({ outcome: 'invalid-number', abandoned: false }, 1, rules, AT).state).toBe('done');
    expect(stepAfterAttempt({ outcome: 'busy', abandoned: false }, 7, rules, AT).state).toBe('exhausted');
  });

  it('retries an abandoned live answer after the abandon delay', () => {
    expect(stepAfterAttempt({ outcome: 'live', abandoned: true }, 1, rules, AT)).toEqual({ state: 'ready', nextAttemptAt: AT + 60 * MINUTE });
  });
});

describe('where a lead goes after a disposition', () => {
  it('follows the disposition effect', () => {
    expect(stepAfterDisposition('done', null, 1, rules, AT).state).toBe('done');
    expect(stepAfterDisposition('do-not-call', null, 1, rules, AT).state).toBe('do-not-call');
    expect(stepAfterDisposition('retry', 1440, 1, rules, AT)).toEqual({ state: 'ready', nextAttemptAt: AT + 24 * HOUR });
    expect(stepAfterDisposition('retry', 1440, 7, rules, AT).state).toBe('exhausted');
  });
});

describe('compliance profiles', () => {
  it('set the UK lockout and Chinese consent, and let a campaign override single rules', () => {
    expect(effectiveRules('uk', {}).abandonLockoutHours).toBe(72);
    expect(effectiveRules('us', {}).abandonLockoutHours).toBe(0);
    expect(effectiveRules('cn', {}).requireConsent).toBe(true);
    const overridden = effectiveRules('uk', { abandonLockoutHours: 0, retryMinutes: { busy: 5 } });
    expect(overridden.abandonLockoutHours).toBe(0);
    expect(overridden.retryMinutes).toMatchObject({ busy: 5, 'no-answer': 120 });
  });
});
