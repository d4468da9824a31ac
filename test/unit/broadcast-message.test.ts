import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { campaignInputSchema } from '../../src/campaigns/campaign.js';
import { BroadcastMessageError, broadcastMachinePolicy, parseBroadcastMessage } from '../../src/ivr/message.js';
import { MissingPromptError, assertPromptsExist, missingPrompts } from '../../src/ivr/prompt-files.js';
import { promptsUsed, renderMessage } from '../../src/ivr/render.js';
import { NUMBER_WORDS, numberMedia, speakDigits, speakNumber } from '../../src/ivr/spoken-numbers.js';
import { LeadValueError } from '../../src/ivr/spoken-values.js';

const en = (...words: string[]) => words.map((w) => numberMedia('en', w));
const zh = (...words: string[]) => words.map((w) => numberMedia('zh', w));

const billReminder = {
  promptSet: 'bill-reminder',
  languageField: 'language',
  parts: [
    { prompt: 'intro' },
    { prompt: 'bill-amount' },
    { say: 'money', field: 'amount' },
    { prompt: 'due-on' },
    { say: 'date', field: 'dueDate' },
    { prompt: 'account' },
    { say: 'digits', field: 'account' },
    { prompt: 'menu' },
  ],
  menu: { agentCampaignId: 'c-agents' },
};
const lead = { amount: '128.50', dueDate: '2026-12-05', account: '0042' };

describe('the broadcast message', () => {
  it('speaks the lead values in order between the prompts of the campaign language', () => {
    const r = renderMessage(parseBroadcastMessage(JSON.stringify(billReminder)), lead);
    expect(r.language).toBe('en');
    expect(r.parts.flat()).toEqual([
      'sound:outpace/bill-reminder/en/intro',
      'sound:outpace/bill-reminder/en/bill-amount',
      ...en('1', 'hundred', '20', '8'),
      'sound:outpace/bill-reminder/en/currency-major',
      ...en('50'),
      'sound:outpace/bill-reminder/en/currency-minor',
      'sound:outpace/bill-reminder/en/due-on',
      'sound:outpace/bill-reminder/en/month-12',
      ...en('5'),
      'sound:outpace/bill-reminder/en/account',
      ...en('0', '0', '4', '2'),
      'sound:outpace/bill-reminder/en/menu',
    ]);
    expect(r.parts).toHaveLength(8);
  });

  it('picks the Mandarin prompt set from the lead and says dates in Mandarin order', () => {
    const r = renderMessage(parseBroadcastMessage(JSON.stringify(billReminder)), { ...lead, amount: '99', language: 'zh-CN' });
    expect(r.language).toBe('zh');
    // 九十九元; 十二月五日: Mandarin words from outpace's own files, never Asterisk's (English) number: media.
    expect(r.parts[2]).toEqual([...zh('9', 'ten', '9'), 'sound:outpace/bill-reminder/zh/currency-major']);
    expect(r.parts[4]).toEqual(['sound:outpace/bill-reminder/zh/month-12', ...zh('5'), 'sound:outpace/bill-reminder/zh/day-suffix']);
    expect(r.parts.flat().every((m) => m.startsWith('sound:'))).toBe(true);
    expect(r.busy).toBe('sound:outpace/bill-reminder/zh/busy-callback');
  });

  it('falls back to the campaign language for a language it has no prompts for', () => {
    const r = renderMessage(parseBroadcastMessage(JSON.stringify({ ...billReminder, language: 'zh' })), { ...lead, language: 'fr' });
    expect(r.language).toBe('zh');
  });

  it('says which lead field cannot be spoken and why', () => {
    const message = parseBroadcastMessage(JSON.stringify(billReminder));
    expect(() => renderMessage(message, { ...lead, amount: '12,50' })).toThrow(LeadValueError);
    expect(() => renderMessage(message, { ...lead, amount: '12,50' })).toThrow(/"amount" holds "12,50".*money.*128\.50/);
    expect(() => renderMessage(message, { ...lead, dueDate: undefined })).toThrow(/no value in field "dueDate"/);
    expect(() => renderMessage(message, { ...lead, dueDate: '2026-13-01' })).toThrow(/YYYY-MM-DD/);
  });

  it('refuses a malformed message with the path of each problem', () => {
    expect(() => parseBroadcastMessage('{')).toThrow(BroadcastMessageError);
    expect(() => parseBroadcastMessage(JSON.stringify({ promptSet: 'x', parts: [] }))).toThrow(/broadcastMessage\.parts: a message needs at least one part/);
    expect(() => parseBroadcastMessage(JSON.stringify({ promptSet: 'x', parts: [{ say: 'money' }] }))).toThrow(/broadcastMessage\.parts\.0/);
    expect(() => parseBroadcastMessage(JSON.stringify({ promptSet: 'Bad Name', parts: [{ prompt: 'a' }] }))).toThrow(/promptSet: a prompt name/);
  });

  it('lists every prompt a language needs, including money and date words and the menu prompts', () => {
    const used = promptsUsed(parseBroadcastMessage(JSON.stringify(billReminder)), 'zh');
    expect(used).toEqual(expect.arrayContaining(['intro', 'menu', 'currency-major', 'currency-minor', 'month-1', 'month-12', 'day-suffix', 'busy-callback', 'opt-out', 'goodbye']));
    expect(promptsUsed(parseBroadcastMessage(JSON.stringify(billReminder)), 'en')).not.toContain('day-suffix');
  });
});

describe('numbers spoken from outpace\'s own words', () => {
  const words = (n: number, language: 'en' | 'zh') => speakNumber(n, language).map((m) => m.split('/').at(-1));
  it.each([
    [0, ['0']],
    [7, ['7']],
    [13, ['13']],
    [40, ['40']],
    [128, ['1', 'hundred', '20', '8']],
    [2005, ['2', 'thousand', '5']],
    [1_000_050, ['1', 'million', '50']],
    [-12, ['minus', '12']],
  ])('English %i', (n, expected) => expect(words(n, 'en')).toEqual(expected));

  it.each([
    [0, ['0']],
    [10, ['ten']],
    [12, ['ten', '2']],
    [20, ['2', 'ten']],
    [105, ['1', 'hundred', '0', '5']],
    [110, ['1', 'hundred', '1', 'ten']],
    [1020, ['1', 'thousand', '0', '2', 'ten']],
    [10_005, ['1', 'ten-thousand', '0', '5']],
    [120_000, ['ten', '2', 'ten-thousand']],
    [100_010_000, ['1', 'hundred-million', '0', '1', 'ten-thousand']],
  ])('Mandarin %i', (n, expected) => expect(words(n, 'zh')).toEqual(expected));

  it('speaks digit strings digit by digit, keys by name', () => {
    expect(speakDigits('0*#', 'zh')).toEqual(zh('0', 'star', 'hash'));
  });

  it('has every word of both languages in sounds/numbers, and the bill reminder checks for them', async () => {
    const sounds = path.join(import.meta.dirname, '..', '..', 'sounds');
    for (const language of ['en', 'zh'] as const) {
      const files = await readdir(path.join(sounds, 'numbers', language));
      expect(NUMBER_WORDS[language].filter((w) => !files.includes(`${w}.wav`))).toEqual([]);
    }
    const message = parseBroadcastMessage(JSON.stringify(billReminder));
    expect(missingPrompts(message, new Set())).toEqual(expect.arrayContaining(['numbers/zh/hundred.wav', 'numbers/en/hundred.wav']));
  });
});

describe('prompt files', () => {
  it('names the missing prompt files of every language a lead may hear', () => {
    const message = parseBroadcastMessage(JSON.stringify({ promptSet: 'set', languageField: 'lang', parts: [{ prompt: 'hello' }] }));
    const available = new Set(['set/en/hello.wav', 'set/en/opt-out.wav', 'set/en/goodbye.wav', 'set/zh/opt-out.wav', 'set/zh/goodbye.wav']);
    expect(missingPrompts(message, available)).toEqual(['set/zh/hello.wav']);
  });

  it('refuses a campaign whose prompt does not exist in the sounds folder', async () => {
    const sounds = await mkdtemp(path.join(tmpdir(), 'outpace-sounds-'));
    await mkdir(path.join(sounds, 'set', 'en'), { recursive: true });
    for (const name of ['hello', 'opt-out', 'goodbye']) await writeFile(path.join(sounds, 'set', 'en', `${name}.wav`), '');
    await expect(assertPromptsExist(parseBroadcastMessage(JSON.stringify({ promptSet: 'set', parts: [{ prompt: 'hello' }] })), sounds)).resolves.toBeUndefined();
    const typo = parseBroadcastMessage(JSON.stringify({ promptSet: 'set', parts: [{ prompt: 'helo' }] }));
    await expect(assertPromptsExist(typo, sounds)).rejects.toThrow(MissingPromptError);
    await expect(assertPromptsExist(typo, sounds)).rejects.toThrow(/prompts that do not exist: .*set\/en\/helo\.wav/);
  });
});

describe('the bill-reminder prompts in sounds/', () => {
  const sounds = path.join(import.meta.dirname, '..', '..', 'sounds');
  const text = () => readFile(path.join(sounds, 'bill-reminder', 'message.json'), 'utf8');

  it('has every prompt the bill-reminder message needs, in English and Mandarin', async () => {
    const message = parseBroadcastMessage(await text());
    await expect(assertPromptsExist({ ...message, menu: { ...message.menu, agentCampaignId: 'agents' } }, sounds)).resolves.toBeUndefined();
    expect(renderMessage(message, { amount: '128.50', due_date: '2026-12-05', language: 'cmn' }).parts.flat()).toContain(
      'sound:outpace/bill-reminder/zh/day-suffix',
    );
  });

  it('names the missing file when the campaign names a prompt that does not exist', async () => {
    const message = parseBroadcastMessage((await text()).replace('"due-on"', '"due-date"'));
    await expect(assertPromptsExist(message, sounds)).rejects.toThrow(/bill-reminder\/en\/due-date\.wav, .*bill-reminder\/zh\/due-date\.wav/);
  });
});

describe('a campaign with a broadcast message', () => {
  it('is refused when the message is not valid, with what is wrong', () => {
    const campaign = { name: 'bills', type: 'broadcast', complianceProfile: 'us', callerId: '+12025550100' };
    expect(campaignInputSchema.safeParse({ ...campaign, broadcastMessage: JSON.stringify(billReminder) }).success).toBe(true);
    const bad = campaignInputSchema.safeParse({ ...campaign, broadcastMessage: JSON.stringify({ promptSet: 'bills', parts: [] }) });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['broadcastMessage'], message: expect.stringMatching(/parts: a message needs at least one part/) });
  });

  it('takes the machine policy from the pacing settings, refusing to hand a broadcast\'s machines to agents it does not have', () => {
    const campaign = { name: 'bills', type: 'broadcast', complianceProfile: 'us', callerId: '+12025550100' } as const;
    expect(campaignInputSchema.safeParse({ ...campaign, pacing: { machineDetection: true, machinePolicy: 'leave-message' } }).success).toBe(true);
    const toAgent = campaignInputSchema.safeParse({ ...campaign, pacing: { machinePolicy: 'to-agent' } });
    expect(toAgent.error!.issues[0]).toMatchObject({ path: ['pacing', 'machinePolicy'], message: expect.stringMatching(/leave-message or hangup/) });
    expect(campaignInputSchema.safeParse({ ...campaign, type: 'agent', pacing: { machinePolicy: 'to-agent' } }).success).toBe(true);
    expect(broadcastMachinePolicy({ machinePolicy: 'hangup' })).toBe('hangup');
    expect(() => broadcastMachinePolicy({ machinePolicy: 'to-agent' })).toThrow(BroadcastMessageError);
  });

  it('takes a "finish by" with its offset, for broadcasts only', () => {
    const campaign = { name: 'bills', type: 'broadcast', complianceProfile: 'us', callerId: '+12025550100' } as const;
    expect(campaignInputSchema.safeParse({ ...campaign, pacing: { finishBy: '2026-12-01T18:00:00+08:00' } }).success).toBe(true);
    const noOffset = campaignInputSchema.safeParse({ ...campaign, pacing: { finishBy: '2026-12-01 18:00' } });
    expect(noOffset.error!.issues[0]).toMatchObject({ path: ['pacing', 'finishBy'], message: expect.stringMatching(/with its offset/) });
    const forAgents = campaignInputSchema.safeParse({ ...campaign, type: 'agent', pacing: { finishBy: '2026-12-01T18:00:00Z' } });
    expect(forAgents.error!.issues[0]).toMatchObject({ path: ['pacing', 'finishBy'], message: expect.stringMatching(/agent campaigns are paced by their agents/) });
  });
});
