/**
 * What counting trunk lines over every engine costs Redis
 * (`npm run bench:trunk-lines`): two engines' shares of one trunk, on a Redis
 * of the benchmark's own, place and end calls at a steady rate for a while;
 * Redis's own command counts (INFO commandstats) give the operations per
 * dial, renewals included. The calls hold their lines for a few seconds, as
 * real calls do, so that the trunk is sometimes full and seizes are refused.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { redisCoordination } from '../src/coordination/redis/redis-coordination.js';
import { SharedTrunk } from '../src/coordination/shared-trunk.js';
import { wallClockScheduler } from '../src/engine/scheduler.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, 'dials-per-second': { type: 'string' }, 'redis-port': { type: 'string' } } });
const seconds = Number(values.seconds ?? 30);
const dialsPerSecond = Number(values['dials-per-second'] ?? 20);
const port = Number(values['redis-port'] ?? 6480);
const HOLD_CALL_MS = 3000;
const settings = { id: 'carrier', maxLines: 40, maxCallsPerSecond: 30 };

const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
process.on('exit', () => server.kill('SIGTERM'));
const url = `redis://127.0.0.1:${port}`;
const admin = new Redis(url, { retryStrategy: (n) => (n > 50 ? null : 100) });
await admin.ping();
const logger = pino({ level: 'warn' });
const engines = ['engine-a', 'engine-b'].map((engineId) => {
  const coordination = redisCoordination(url, 'bench:', logger);
  const trunk = new SharedTrunk({ lines: coordination.trunks, server: 'pbx1', settings, engineId, scheduler: wallClockScheduler, logger });
  return { coordination, trunk };
});
// Scripts loaded and connections up before counting.
for (const { trunk } of engines) await trunk.seize(Date.now()).then((refused) => refused === undefined && trunk.release());
await new Promise((r) => setTimeout(r, 200));
const calls = async () => {
  const stats = await admin.info('commandstats');
  let n = 0;
  for (const m of stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (m[1] !== 'info') n += Number(m[2]);
  return n;
};
const before = await calls();
for (const { trunk } of engines) trunk.keep();
let dials = 0;
let refused = 0;
const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  const { trunk } = engines[dials % 2]!;
  dials++;
  void trunk.seize(Date.now()).then((why) => {
    if (why === undefined) setTimeout(() => trunk.release(), HOLD_CALL_MS);
    else refused++;
  });
  await new Promise((r) => setTimeout(r, 1000 / dialsPerSecond));
}
await new Promise((r) => setTimeout(r, HOLD_CALL_MS + 500));
for (const { trunk } of engines) trunk.stop();
const ops = (await calls()) - before;
console.log(JSON.stringify({ seconds, dials, refused, placed: dials - refused, redisOps: ops, opsPerDial: Math.round((ops / dials) * 100) / 100 }));
for (const { coordination } of engines) await coordination.close();
admin.disconnect();
process.exit(0);
