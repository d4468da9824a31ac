/**
 * The demo as a place to try the desk: agent `you`, beside the simulated
 * agents, takes a call and uses the call controls through the agent socket,
 * as under `outpace run`: hold and resume (a second hold refused with why),
 * DTMF, transfers to numbers the campaign's rules forbid refused with the
 * rule, hang-up into wrap-up, a disposition; every control stored with the
 * attempt, with the time on hold.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/bench/bench-command.js';
import { addNumberListEntries } from '../../src/campaigns/number-lists.js';
import { deskCard, type DeskCard } from '../../src/agents/desk-card.js';
import { getCampaign } from '../../src/campaigns/campaign-store.js';
import { LeadId } from '../../src/domain/ids.js';
import { startWholeDemo, type WholeDemo } from '../../src/demo/whole-demo.js';
import { AgentClient, type Message } from '../support/agent-client.js';

const scenario = loadScenario(fileURLToPath(new URL('../../bench/scenarios/realistic/S1.json', import.meta.url)));

describe('agent you at the demo desk', () => {
  let demo: WholeDemo;
  let you: AgentClient;

  beforeAll(async () => {
    demo = await startWholeDemo({ scenario, mode: 'predictive', hours: 1, speed: 30, seed: 12, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    you = await AgentClient.open(`${demo.url.replace('http', 'ws')}/api/v1/agent`, demo.agentKey);
  }, 60_000);

  afterAll(async () => {
    you?.close();
    await demo?.close();
  });

  /** Sends a control and returns the answer to it: `ack` then the PBX's `control`, or `error`. */
  async function control(attemptId: string, c: Record<string, unknown>): Promise<Message> {
    you.send({ type: 'call.control', attemptId, control: c });
    const answer = await you.next('ack', 'error');
    return answer.type === 'error' ? answer : you.next('control');
  }

  it('controls the call in hand, refuses what the state or the rules forbid, and stores every step', async () => {
    // Times on the screen are the server's clock: the demo's simulated one, and how fast it runs.
    const hello = await you.next('hello');
    expect(Math.abs(Date.parse(hello['now'] as string) - demo.time.now())).toBeLessThan(60_000);
    expect(hello['rate']).toBe(30);
    you.send({ type: 'call.control', attemptId: '00000000-0000-4000-8000-000000000000', control: { kind: 'hold' } });
    expect(await you.next('error')).toMatchObject({ message: expect.stringMatching(/not yours here/) });

    you.send({ type: 'login', endpoint: 'PJSIP/you' });
    const pop = await you.next('screen-pop');
    const attemptId = pop['attemptId'] as string;
    // What the agent sees: the campaign's labels, the customer's local time and window, only the agents' dispositions.
    const card = pop['card'] as DeskCard;
    expect(card.fields.map((f) => [f.label, f.editable])).toEqual([
      ['First name', true],
      ['Last name', true],
    ]);
    expect(card.customer).toMatchObject({ timeZones: ['America/New_York'], open: true, today: { start: '08:00', end: '21:00' } });
    expect(card.customer.local[0]!.time).toMatch(/^09:/);
    const codes = card.dispositions.map((d) => d.code);
    expect(codes).toContain('appointment');
    for (const system of ['no-answer', 'vacant', 'wrap-up-timeout', 'powered-off']) expect(codes).not.toContain(system);

    expect(await control(attemptId, { kind: 'hold' })).toMatchObject({ type: 'control', control: 'hold' });
    expect(await control(attemptId, { kind: 'hold' })).toMatchObject({ type: 'error', rule: 'call-state', message: 'the customer is already on hold' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await control(attemptId, { kind: 'resume' })).toMatchObject({ type: 'control', control: 'resume' });
    expect(await control(attemptId, { kind: 'resume' })).toMatchObject({ type: 'error', message: 'the customer is not on hold' });
    expect(await control(attemptId, { kind: 'dtmf', digits: '1#' })).toMatchObject({ type: 'control', control: 'dtmf' });

    expect(await control(attemptId, { kind: 'transfer', to: { number: '+19005550199' } })).toMatchObject({ type: 'error', rule: 'premium-rate' });
    await addNumberListEntries(demo.db, [{ phone: '+12125550150', color: 'black', category: 'opt-out', source: 'api' }], 'test');
    expect(await control(attemptId, { kind: 'consult', to: { number: '2125550150' } })).toMatchObject({ type: 'error', rule: 'do-not-call' });
    // 06:00 in Honolulu while New York's morning is on: outside the window where the number rings.
    expect(await control(attemptId, { kind: 'transfer', to: { number: '+18085550123' } })).toMatchObject({ type: 'error', rule: 'outside-calling-window' });
    expect(await control(attemptId, { kind: 'transfer', to: { agentId: 'nobody' } })).toMatchObject({ type: 'error', message: expect.stringMatching(/not logged in/) });

    expect(await control(attemptId, { kind: 'hangup' })).toMatchObject({ type: 'control', control: 'hangup' });
    expect(await you.next('wrap-up')).toMatchObject({ attemptId });
    expect(await control(attemptId, { kind: 'hold' })).toMatchObject({ type: 'error', message: expect.stringMatching(/you are wrap-up/) });
    // A callback at 23:30 where the customer lives is refused; at 10:00 the next morning it is stored, with the notes.
    you.send({ type: 'disposition', attemptId, code: 'appointment', callback: { at: '2026-01-13T23:30:00-05:00', for: 'me' } });
    expect(await you.next('error')).toMatchObject({ rule: 'outside-calling-window', message: expect.stringMatching(/23:30 \(America\/New_York\)/) });
    you.send({ type: 'disposition', attemptId, code: 'appointment', callback: { at: '2026-01-14T10:00:00-05:00', for: 'me' }, note: 'call back after ten' });
    expect(await you.next('state')).toMatchObject({ state: 'ready' });
    you.send({ type: 'logout' });

    await expect
      .poll(async () => (await demo.db.query<{ step: string }>('SELECT step FROM attempt_steps WHERE attempt_id = $1 ORDER BY at, id', [attemptId])).rows.map((r) => r.step))
      .toEqual(['hold', 'resume', 'dtmf', 'hangup']);
    const { rows } = await demo.db.query<{ actor: string; target: string | null; hold_seconds: string; disposition: string; disposition_note: string }>(
      `SELECT s.actor, s.target, a.hold_seconds, a.disposition, a.disposition_note FROM attempt_steps s JOIN attempts a ON a.id = s.attempt_id WHERE s.step = 'dtmf' AND a.id = $1`,
      [attemptId],
    );
    expect(rows[0]).toMatchObject({ actor: 'agent:you', target: '1#', disposition: 'appointment', disposition_note: 'call back after ten' });
    expect(Number(rows[0]!.hold_seconds)).toBeGreaterThan(0);
    const callback = await demo.db.query<{ due_at: Date; agent_id: string }>('SELECT due_at, agent_id FROM callbacks WHERE lead_id = $1', [(pop['lead'] as { id: string }).id]);
    expect(callback.rows).toEqual([{ due_at: new Date('2026-01-14T15:00:00Z'), agent_id: 'you' }]);

    // The next call to this customer shows this one in its history, with its disposition and notes.
    const campaign = await getCampaign(demo.db, demo.campaign.id);
    const later = await deskCard(demo.db, campaign, LeadId((pop['lead'] as { id: string }).id), {}, demo.time.now());
    expect(later.history[0]).toMatchObject({ disposition: 'appointment', dispositionLabel: 'Appointment set', note: 'call back after ten', agentId: 'you' });
  }, 60_000);
});
