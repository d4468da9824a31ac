/** The variables `npm run pbx:up` (test/pbx/lab.sh) wrote to its env file, for the suites and benchmarks that use the lab. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const labDir = (): string => process.env['OUTPACE_LAB_DIR'] ?? '/tmp/outpace-lab';

/** The lab's variables, or undefined when it is not up. */
export function readLabEnv(dir = labDir()): Record<string, string> | undefined {
  const file = join(dir, 'env');
  if (!existsSync(file)) return undefined;
  const pairs = readFileSync(file, 'utf8').matchAll(/^export (\w+)=(?:'([^']*)'|(.*))$/gm);
  return Object.fromEntries([...pairs].map(([, name, quoted, plain]) => [name!, quoted ?? plain ?? '']));
}

export function labEnvOrExplain(dir = labDir()): Record<string, string> {
  const env = readLabEnv(dir);
  if (!env) throw new Error(`the real-PBX lab is not up (no ${join(dir, 'env')}): start it with npm run pbx:up`);
  return env;
}

/** CPU seconds one of the lab's processes (`pbx`, `carrier`, `agent3`, ...) has used so far, from /proc and its pid file. */
export function labProcessCpuSec(name: string, dir = labDir()): number {
  const pid = Number(readFileSync(join(dir, 'pids', `${name}.pid`), 'utf8'));
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in ticks of 1/100 s
}
