#!/usr/bin/env node
/**
 * The `outpace` command. Each subcommand lives in its own module; this file
 * only reads the arguments and dispatches.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { BENCH_MODES, REFERENCE_MODES, type BenchMode } from '../bench/bench-modes.js';
import { defaultScenarioFiles, loadScenario, runBench } from '../bench/bench-command.js';
import { DIAL_MODES, type DialMode } from '../pacing/settings.js';
import { withConfigFile } from '../config/environment.js';
import { runDoctor } from '../telephony/ari/doctor-command.js';
import { apiKeyCommand } from './commands/api-key.js';
import { benchStorageCommand } from './commands/bench-storage.js';
import { importCommand } from './commands/import.js';
import { importNumbersCommand } from './commands/import-numbers.js';
import { migrateCommand } from './commands/migrate.js';
import { runCommand } from './commands/run.js';
import { LISTEN_OPTIONS, serveCommand, serveEnv, withListenOptions } from './commands/serve.js';
import { whyCommand } from './commands/why.js';
import { runDemo } from './demo-command.js';

/** Commands that take their own arguments and the environment (with OUTPACE_CONFIG's file), and return an exit code. */
const EXIT_CODE_COMMANDS: Record<string, (argv: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>> = {
  migrate: migrateCommand,
  import: importCommand,
  'import-dnc': importNumbersCommand,
  serve: serveCommand,
  run: runCommand,
  why: whyCommand,
  'api-key': apiKeyCommand,
  'bench-storage': benchStorageCommand,
  doctor: (_argv, env) => runDoctor(env, process.stdout),
};

/** The demo's simulated agents never ask for a preview call. */
const DEMO_MODES: readonly DialMode[] = DIAL_MODES.filter((m) => m !== 'preview');
const ALL_BENCH_MODES: readonly BenchMode[] = [...BENCH_MODES, ...REFERENCE_MODES];
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BENCH_DIR = `${PACKAGE_ROOT}bench`;

const USAGE = `usage: outpace <command> [options]

commands:
  demo     run a simulated campaign end to end (embedded database, engine, API, simulated agents)
           with live progress in the terminal; the API on PORT (default 8080); Ctrl-C stops
             --scenario FILE.json  (default: bench/scenarios/realistic/S1.json)
             --mode ${DEMO_MODES.join('|')}  (default: predictive)
             --hours N             simulated hours (default: 1)
             --speed N             simulated seconds per real second (default: 60)
             --seed N              (default: 1)
             --port N  --host ADDRESS  where the API listens (default: PORT or 8080, HOST or 0.0.0.0)
  bench    run the pacing benchmark, write bench/results/latest.{md,json} and charts
             --quick               one seed, 2-hour shifts, the issue's scenarios only (under a minute)
             --scenario FILE.json  run only this scenario (repeatable)
             --seeds N  --hours N  --mode M (repeatable: ${ALL_BENCH_MODES.join(', ')})
             --out DIR             (default: bench/results)
  migrate        apply the database migrations (DATABASE_URL, or the embedded database)
  import FILE    import a CSV list of leads (see outpace import --help)
  import-dnc FILE  add a CSV file's numbers to the do-not-call list (--color grey|red for the others)
  serve          start the HTTP API on --port N, or PORT (default 8080)
  run            dial a campaign on Asterisk (ARI_URL) with the API and the agent socket: --campaign ID [--port N]
  why CAMPAIGN   explain why a campaign dials nothing: eligible leads and what holds the rest back
  api-key        create an API key with a role
  doctor         check the PBX: ARI reachable, credentials, the Stasis app, the trunk
  bench-storage  measure lead claims and CSV import against the database
  help           this text

Settings come from environment variables; OUTPACE_CONFIG may name a JSON file of the same settings
(the environment wins over the file).`;

function fail(message: string): never {
  process.stderr.write(`outpace: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: {
          scenario: { type: 'string' },
          mode: { type: 'string' },
          hours: { type: 'string' },
          speed: { type: 'string' },
          seed: { type: 'string' },
          ...LISTEN_OPTIONS,
        },
      });
      const mode = (values.mode ?? 'predictive') as DialMode;
      if (!DEMO_MODES.includes(mode)) {
        fail(mode === 'preview' ? 'the demo has no agents to ask for preview calls; choose progressive, power or predictive' : `--mode must be one of ${DEMO_MODES.join(', ')}, got "${values.mode}"`);
      }
      const listening = serveEnv.safeParse(withListenOptions(process.env, values));
      if (!listening.success) fail(listening.error.issues.map((i) => i.message).join('; '));
      const serving = listening.data;
      await runDemo({
        scenario: loadScenario(values.scenario ?? `${BENCH_DIR}/scenarios/realistic/S1.json`),
        mode,
        hours: positiveNumber('hours', values.hours, 1),
        speed: positiveNumber('speed', values.speed, 60),
        seed: positiveNumber('seed', values.seed, 1),
        port: serving.PORT,
        host: serving.HOST,
        interactive: process.stdout.isTTY === true,
        write: (t) => process.stdout.write(t),
        // Warnings and errors only, on stderr: the terminal view is the demo's output.
        logger: pino({ name: 'outpace-demo', level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
        interrupted: new Promise((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        }),
      });
      return;
    }
    case 'bench': {
      const { values } = parseArgs({
        args: rest,
        options: {
          quick: { type: 'boolean', default: false },
          scenario: { type: 'string', multiple: true },
          seeds: { type: 'string' },
          hours: { type: 'string' },
          mode: { type: 'string', multiple: true },
          out: { type: 'string' },
        },
      });
      const modes = values.mode as BenchMode[] | undefined;
      for (const m of modes ?? []) if (!ALL_BENCH_MODES.includes(m)) fail(`--mode must be one of ${ALL_BENCH_MODES.join(', ')}, got "${m}"`);
      await runBench(
        {
          quick: values.quick ?? false,
          scenarioFiles: values.scenario ?? defaultScenarioFiles(BENCH_DIR, !values.quick),
          seeds: values.seeds === undefined ? undefined : positiveNumber('seeds', values.seeds, 1),
          hours: values.hours === undefined ? undefined : positiveNumber('hours', values.hours, 8),
          modes,
          outDir: values.out ?? `${BENCH_DIR}/results`,
        },
        (line) => process.stdout.write(`${line}\n`),
      );
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default: {
      const run = EXIT_CODE_COMMANDS[command];
      if (!run) fail(`unknown command "${command}"`);
      process.exitCode = await run(rest, withConfigFile(process.env) as NodeJS.ProcessEnv);
    }
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`outpace: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
