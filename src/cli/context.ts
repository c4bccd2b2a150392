// What every running command shares: global options, loading the inventory, and the run context.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { formatIssue, loadInventory, secretValues } from '../inventory/index.js';
import type { Target } from '../inventory/types.js';
import { newRunContext, rerunFileIn } from '../runner/context.js';
import { ListrReporter } from '../runner/listr-reporter.js';
import { silentReporter, type Reporter } from '../runner/reporter.js';
import { targetsToRerun, type RerunFilter } from '../runner/rerun.js';
import { RunLog } from '../runner/run-log.js';
import type { RunContext } from '../runner/run-task.js';
import { applyBoltFlags, withBoltFlags, type BoltFlagArgs } from './bolt-flags.js';
import { UsageError } from './errors.js';
import { noteWarnings, type Format } from './output.js';

export interface GlobalArgs extends BoltFlagArgs {
  inventory: string;
  targets?: string;
  rerun?: RerunFilter;
  format: Format;
  'dry-run': boolean;
  concurrency: number;
  'run-as'?: string;
  timeout?: number;
  'connect-timeout'?: number;
  'state-dir': string;
}

export function withRunOptions<T>(y: Argv<T>) {
  return withBoltFlags(y)
    .option('targets', { alias: 't', type: 'string', describe: 'Targets: names, aliases, groups, globs, comma lists or @file' })
    .option('rerun', { type: 'string', choices: ['failure', 'success', 'all'] as const, describe: 'Targets from the last run: failure re-runs exactly the failed ones' })
    .option('dry-run', { alias: 'noop', type: 'boolean', default: false, describe: 'No-op mode: report what would change, change nothing' })
    .option('concurrency', { alias: 'c', type: 'number', default: 10, describe: 'Targets worked on at once' })
    .option('run-as', { type: 'string', describe: 'User to run as on the targets (through sudo)' })
    .option('timeout', { type: 'number', describe: 'Seconds a task may run on a target before it is stopped' })
    .option('connect-timeout', { type: 'number', describe: 'Seconds to wait for a connection' })
    .option('state-dir', { type: 'string', default: '.regen', describe: 'Where run logs and the rerun record are kept' })
    .check((argv) => {
      // yargs turns `--concurrency abc` into NaN; a NaN or zero limit would silently run nothing or forever.
      if (!(Number.isInteger(argv.concurrency) && argv.concurrency >= 1)) throw new UsageError(`--concurrency must be a whole number of targets, 1 or more (got ${argv.concurrency})`);
      for (const flag of ['timeout', 'connect-timeout'] as const) {
        const v = argv[flag];
        if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new UsageError(`--${flag} must be a number of seconds greater than 0 (got ${v})`);
      }
      return true;
    });
}

export function rerunFile(args: GlobalArgs): string {
  return rerunFileIn(args['state-dir']);
}

/** Loads the inventory and resolves the targets named by -t or --rerun; any problem is a usage error. */
export async function selectTargets(args: GlobalArgs, defaultSpec?: string): Promise<Target[]> {
  if (args.targets && args.rerun) throw new UsageError('use either -t/--targets or --rerun, not both');
  const spec = args.rerun ? rerunTargets(args) : args.targets ?? defaultSpec;
  if (!spec) throw new UsageError('say which targets to run on with -t/--targets (for example -t agents or -t master.example.com)');
  const inventory = await loadInventory(args.inventory, { targetSpec: spec });
  noteWarnings(inventory.warnings.map(formatIssue), args.format);
  const targets = inventory.resolve(spec);
  return targets.map((t) => applyOverrides(t, args));
}

/** Command-line flags win over the inventory, as in Bolt. */
function applyOverrides(target: Target, args: GlobalArgs): Target {
  const config = structuredClone(target.config);
  applyBoltFlags(config, args);
  if (args['run-as']) {
    config.ssh['run-as'] = args['run-as'];
    config.local['run-as'] = args['run-as'];
  }
  if (args['connect-timeout'] !== undefined) {
    config.ssh['connect-timeout'] = args['connect-timeout'];
    config.winrm['connect-timeout'] = args['connect-timeout'];
  }
  return { ...target, config };
}

export function reporterFor(format: Format): Reporter {
  return format === 'json' ? silentReporter : new ListrReporter();
}

export function createRunContext(args: GlobalArgs, label: string, targets: Target[]): RunContext & { log: RunLog } {
  const ctx = newRunContext({ stateDir: args['state-dir'], label, reporter: reporterFor(args.format), dryRun: args['dry-run'], timeoutSeconds: args.timeout });
  for (const t of targets) ctx.log.addSecrets(secretValues(t));
  return ctx;
}


/** The targets of the last run with the --rerun status (failure, success or all). */
export function rerunTargets(args: GlobalArgs): string[] {
  try {
    return targetsToRerun(rerunFile(args), args.rerun ?? 'failure');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** --params: a JSON object, inline, as @file, or `-` for standard input (Bolt's `--params -`). */
export function paramsFromFlag(flag: string | undefined): Record<string, unknown> {
  if (!flag) return {};
  const text = flag === '-' ? readFileSync(0, 'utf8') : flag.startsWith('@') ? readFileSync(flag.slice(1), 'utf8') : flag;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--params: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new UsageError('--params must be a JSON object, e.g. {"name": "pe-puppet"}');
}
