// `regen plan list | show NAME | [run] NAME [key=value ...]`
import { createInterface } from 'node:readline/promises';
import type { Argv } from 'yargs';
import type { CommandSpec } from './commands.js';
import { describePlan, listPlans, loadPlan, parsePlanParams, type Plan } from '../plans/index.js';
import { sensitivePlanParams } from '../plans/params.js';
import { shellQuote } from '../transports/posix/wrap.js';
import { runPlanService, type PlanRun } from '../runner/plan-service.js';
import { paramsFromFlag, reporterFor, rerunTargets, withRunOptions, type GlobalArgs } from './context.js';
import { planExitCode, UsageError } from './errors.js';
import { noteWarnings, printJson, type Format } from './output.js';
import { printPlanResult } from './plan-report.js';
import { summaryLines } from './summary-table.js';
import { coverageAfterLines, coverageAfterRun, coverageBeforeRun, type CoverageReport } from './coverage.js';
import { storeLedger } from '../coverage/index.js';
import { planProfiles, printPlanDescription, printPlanList } from './plan-show.js';

export interface PlanArgs extends GlobalArgs {
  name?: string;
  words: string[];
  params?: string;
  yes: boolean;
  'from-step'?: string;
  resume: boolean;
  'break-lock': boolean;
}

export function planCommand(y: Argv, spec: CommandSpec) {
  return y.command(
    spec.command,
    spec.describe,
    (cmd) => withRunOptions(cmd)
      .positional('name', { type: 'string', describe: 'A plan name, or list / show / run' })
      .positional('words', { type: 'string', array: true, default: [], describe: 'key=value plan parameters' })
      .option('params', { type: 'string', describe: 'Plan parameters as a JSON object, or @file holding one' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Confirm destructive steps without a prompt' })
      .option('from-step', { type: 'string', describe: 'Resume at this step, reusing the saved results of the steps before it' })
      .option('resume', { type: 'boolean', default: false, describe: 'Continue the unfinished run the host\'s journal records, after its last completed step' })
      .option('break-lock', { type: 'boolean', default: false, describe: 'Take the site lock even though another run holds it (only when that run is gone)' })
      .example('$0 plan list', 'The plans: master, agents, agent_certs, restore')
      .example('$0 plan show master', 'Every step of the master plan and the doc step it implements')
      .example('$0 plan master -i inventory.yaml --dry-run', 'Run the read-only checks; show what every other step would do')
      .example('$0 plan master -i inventory.yaml', 'Regenerate the CA and the master\'s credentials (asks before destroying the CA)')
      .example('$0 plan agents -i inventory.yaml --concurrency 10', 'Re-enroll every agent of the group "agents"')
      .example('$0 plan agents --rerun failure', 'Re-run only the agents that failed last time')
      .example('$0 plan master --resume', 'Continue the run that stopped (failed, interrupted, killed) where the host\'s journal says')
      .example('$0 plan master --from-step chown_ssl', 'Resume at a step of your choice, with the results saved on this machine'),
    async (argv) => {
      process.exitCode = await runPlanCommand(argv as unknown as PlanArgs);
    },
  );
}

async function runPlanCommand(args: PlanArgs): Promise<number> {
  const [first, ...rest] = [args.name ?? '', ...args.words];
  if (first === 'list') return printPlanList(listPlans(), args.format);
  if (first === 'show') {
    const plan = loadPlanOrFail(rest[0]);
    return printPlanDescription(describePlan(plan), await planProfiles(plan, args), args.format);
  }
  const [planName, ...words] = first === 'run' ? rest : [first, ...rest];
  const plan = loadPlanOrFail(planName);
  const { params: fromWords, problems } = parsePlanParams(plan, words);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const params: Record<string, unknown> = { ...paramsFromFlag(args.params), ...fromWords };
  if (args.targets && args.rerun) throw new UsageError('use either -t/--targets or --rerun, not both');
  if (args.targets) params.targets = args.targets;
  if (args.rerun) params.targets = rerunTargets(args);
  // `--concurrency N` also sets a plan's own `concurrency` parameter (its for_each limit) unless given as a word.
  if (plan.parameters.concurrency && params.concurrency === undefined && concurrencyGiven(process.argv)) params.concurrency = args.concurrency;
  return executePlan(plan, params, args, words);
}

/** Runs a loaded plan with the command's options and prints its result; returns the exit code. */
async function executePlan(plan: Plan, params: Record<string, unknown>, args: PlanArgs, words: string[]): Promise<number> {
  if (plan.coverage) await coverageBeforeRun(plan, params, args);
  const run = await runPlanService({
    plan, params, inventory: args.inventory, stateDir: args['state-dir'], reporter: reporterFor(args.format),
    concurrency: args.concurrency, dryRun: args['dry-run'], yes: args.yes, confirm: askUser, fromStep: args['from-step'],
    resume: args.resume, breakLock: args['break-lock'], timeoutSeconds: args.timeout,
    onWarnings: (warnings) => noteWarnings(warnings, args.format),
    onInterrupt: (signal) => process.stderr.write(`\n${signal}: interrupted. Stopping the running step's commands on its targets and writing the journal (press Ctrl-C again to exit at once)...\n`),
  });
  const coverage = plan.coverage && !run.result.dry_run ? await coverageAfterRun(args) : undefined;
  return reportPlanRun(run, args.format, commandBase(plan, args, words), coverage);
}

/**
 * Prints a plan run (a table per target and what to do next, or one JSON document with the full result) and
 * gives its exit code; a re-enrollment plan's coverage of the ledger's agents follows.
 */
export function reportPlanRun(run: PlanRun, format: Format, base: string, coverage?: CoverageReport | { error: string }): number {
  const { result, logDir, elapsedMs } = run;
  storeLedger(result, logDir); // a run that recorded the old CA's ledger keeps it in its log directory
  if (format === 'json') printJson({ ...result, ...(coverage ? { coverage } : {}), log_dir: logDir, elapsed_ms: elapsedMs, elapsed_time: Math.floor(elapsedMs / 1000) });
  else {
    const after = coverage && coverageAfterLines(coverage, base);
    printPlanResult(result, { base, verification: run.plan.verification, table: summaryLines(result, run.plan), after }, logDir, elapsedMs);
  }
  return planExitCode(result);
}

export function loadPlanOrFail(name: string | undefined): Plan {
  if (!name) throw new UsageError('missing plan name: regen plan show NAME, or regen plan NAME (see regen plan list)');
  return loadPlan(name);
}

async function askUser(text: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`\n${text}\nContinue? [y/N] `);
    return ['y', 'yes'].includes(answer.trim().toLowerCase());
  } finally {
    rl.close();
  }
}

/** The command that runs this plan again as given (its key=value parameters too; a secret's value left out). */
function commandBase(plan: Plan, args: PlanArgs, words: string[]): string {
  const parts = ['regen', 'plan', plan.name];
  if (args.inventory !== 'inventory.yaml') parts.push('-i', args.inventory);
  if (args['state-dir'] !== '.regen') parts.push('--state-dir', args['state-dir']);
  if (args.targets) parts.push('-t', args.targets);
  const secret = new Set(sensitivePlanParams(plan));
  for (const word of words) {
    const key = word.slice(0, word.indexOf('='));
    parts.push(secret.has(key) ? `${key}=<secret>` : /^[\w.,:/=@+-]+$/.test(word) ? word : shellQuote(word));
  }
  return parts.join(' ');
}

function concurrencyGiven(argv: string[]): boolean {
  return argv.some((a) => a === '-c' || a === '--concurrency' || a.startsWith('--concurrency='));
}
