// `regen coverage`: read-only. Every agent the old CA had signed (the ledger regen plan master/server recorded
// before deleting it), classified by asking each reachable agent whether its certificate chains to the new CA.
// Also what `regen plan agents` says about the ledger before it starts and after it ends.
import type { Argv } from 'yargs';
import type { CommandSpec } from './commands.js';
import { agentsLeftOut, coverageReport, latestLedger, type CoverageReport } from '../coverage/index.js';
import { coverageLines } from '../coverage/report.js';
import { loadInventory } from '../inventory/index.js';
import type { Plan } from '../plans/types.js';
import { reporterFor, type GlobalArgs } from './context.js';
import { EXIT_OK, EXIT_TARGET_FAILED } from './errors.js';
import { printJson } from './output.js';
import { silentReporter } from '../runner/reporter.js';

export type { CoverageReport } from '../coverage/index.js';

export function coverageCommand(y: Argv, spec: CommandSpec) {
  return y.command(
    spec.command,
    spec.describe,
    (cmd) => cmd
      .option('concurrency', { alias: 'c', type: 'number', default: 10, describe: 'Agents checked at once' })
      .option('state-dir', { type: 'string', default: '.regen', describe: 'Where run logs (and the ledger) are kept' })
      .example('$0 coverage', 'Every agent the old CA signed: re-enrolled, failed (step), not attempted, unreachable')
      .example('$0 coverage --format json', 'The same as one JSON document'),
    async (argv) => {
      process.exitCode = await runCoverage(argv as unknown as GlobalArgs);
    },
  );
}

/** Exit 0 when every agent of the ledger is re-enrolled, 1 otherwise. */
async function runCoverage(args: GlobalArgs): Promise<number> {
  const report = await coverageReport({ inventory: args.inventory, stateDir: args['state-dir'], reporter: reporterFor(args.format), concurrency: args.concurrency });
  if (args.format === 'json') printJson(report);
  else {
    for (const line of coverageLines(report, { all: true })) process.stdout.write(`${line}\n`);
    if (report.check_log_dir) process.stdout.write(`Log: ${report.check_log_dir}\n`);
  }
  return report.error || report.agents.some((a) => a.status !== 're-enrolled') ? EXIT_TARGET_FAILED : EXIT_OK;
}

/** Before a re-enrollment plan: warns (stderr) about the ledger's agents its targets leave out. */
export async function coverageBeforeRun(plan: Plan, params: Record<string, unknown>, args: GlobalArgs): Promise<void> {
  const ledger = latestLedger(args['state-dir']);
  if (!ledger || !plan.coverage) return;
  const key = plan.coverage.agents;
  const spec = params[key] ?? plan.parameters[key]?.default;
  if (typeof spec !== 'string' && !Array.isArray(spec)) return;
  const inventory = await loadInventory(args.inventory, { targetSpec: typeof spec === 'string' ? spec : undefined });
  let targets: string[];
  try {
    targets = inventory.resolve(spec as string | string[]).map((t) => t.name);
  } catch {
    return; // the plan's own validation names the problem
  }
  const specText = Array.isArray(spec) ? spec.join(',') : spec;
  const left = agentsLeftOut(ledger, args['state-dir'], targets, { targets: inventory.targetNames(), groups: inventory.groupNames(), file: args.inventory }, specText);
  if (left.length === 0) return;
  const lines = [
    `WARNING: the old CA signed ${left.length} agent${left.length === 1 ? '' : 's'} that this run leaves out (ledger of ${ledger.recorded_at}, ${ledger.file}):`,
    ...left.map((l) => `  ${l.certname}: ${l.hint}`),
    '  Until re-enrolled they do not trust the new CA (regen coverage shows every agent of the ledger).',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** After a re-enrollment plan: the coverage of the ledger's agents, or why it could not be had; none without a ledger. */
export async function coverageAfterRun(args: GlobalArgs): Promise<CoverageReport | { error: string } | undefined> {
  if (!latestLedger(args['state-dir'])) return undefined;
  try {
    // Silent: the plan's own tree is on screen, and the table comes next.
    return await coverageReport({ inventory: args.inventory, stateDir: args['state-dir'], reporter: silentReporter, concurrency: args.concurrency });
  } catch (e) {
    return { error: `could not be checked: ${(e as Error).message}; run regen coverage` };
  }
}

/** The end of a re-enrollment plan: the coverage counts, the agents not re-enrolled, and how to see them all. */
export function coverageAfterLines(coverage: CoverageReport | { error: string }, base: string): string[] {
  if (!('agents' in coverage)) return [`Coverage: ${coverage.error}`];
  const lines = coverageLines(coverage, { all: false });
  if (coverage.agents.some((a) => a.status !== 're-enrolled')) {
    lines.push(`  every agent with its status:   regen coverage${base.replace(/^regen plan \S+/, '').replace(/ -t \S+/, '')}`);
  }
  return lines;
}
