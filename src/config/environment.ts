/**
 * outpace is configured by environment variables (ARI_URL, DATABASE_URL,
 * REDIS_URL, PORT, ...), each validated by the module that uses it. A
 * deployment that prefers a file names one in OUTPACE_CONFIG: a JSON object
 * of the same settings. The environment wins over the file, so one variable
 * can override a shared file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export type Environment = Readonly<Record<string, string | undefined>>;

const SETTING_NAME = /^[A-Z][A-Z0-9_]*$/;

const configFileSchema = z.record(z.string(), z.unknown()).superRefine((settings, ctx) => {
  for (const [name, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'setting names are written like environment variables, such as ARI_URL' });
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'a setting is a string, a number or true/false' });
    }
  }
});

export function withConfigFile(env: Environment): Environment {
  const file = env['OUTPACE_CONFIG'];
  if (!file) return env;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`OUTPACE_CONFIG names ${file}, which could not be read as JSON: ${(err as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`).join('\n');
    throw new Error(`${file} (OUTPACE_CONFIG) is not a valid configuration: a JSON object of settings is expected\n${problems}`);
  }
  const fromFile = Object.fromEntries(Object.entries(parsed.data).map(([k, v]) => [k, String(v)]));
  return { ...fromFile, ...env };
}
