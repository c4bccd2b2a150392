// `regen demo`: the whole procedure on a simulated PE 3.7 site in a sandbox, as a first run.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { CommandSpec } from './commands.js';
import { buildSandbox, checkPrerequisites, type Sandbox } from '../demo/sandbox.js';
import type { PlanResult } from '../plans/index.js';
import { EXIT_OK, UsageError } from './errors.js';
import { runPlanService } from '../runner/plan-service.js';
import { reporterFor } from './context.js';
import { loadPlanOrFail, reportPlanRun } from './plan.js';

interface DemoArgs {
  dir?: string;
  agents: number;
  concurrency: number;
  format: 'human' | 'json';
}

export function demoCommand(y: Argv, spec: CommandSpec) {
  return y.command(
    spec.command,
    spec.describe,
    (cmd) => cmd
      .option('dir', { type: 'string', describe: 'Sandbox directory (default: a new one under the system temp dir)' })
      .option('agents', { type: 'number', default: 3, describe: 'Simulated agents' })
      .option('concurrency', { alias: 'c', type: 'number', default: 3, describe: 'Agents re-enrolled at once' })
      .example('$0 demo', 'A master and three agents in a temporary sandbox')
      .example('$0 demo --dir ./sandbox --agents 5', 'Keep the sandbox where you can look at it'),
    async (argv) => {
      process.exitCode = await runDemo(argv as unknown as DemoArgs);
    },
  );
}

async function runDemo(args: DemoArgs): Promise<number> {
  const say = (text: string) => process.stderr.write(`${text}\n`);
  await checkPrerequisites().catch((e: Error) => {
    throw new UsageError(e.message);
  });
  const dir = args.dir ? path.resolve(args.dir) : mkdtempSync(path.join(os.tmpdir(), 'regen-demo-'));
  say(`regen demo: building a simulated PE 3.7 site in ${dir}`);
  const sandbox = await buildSandbox({ dir, agents: args.agents, keylength: 1024, onProgress: (t) => say(`  ${t}`) });
  const run = async (name: string, params: Record<string, unknown>) => {
    const planRun = await runPlanService({
      plan: loadPlanOrFail(name), params, inventory: sandbox.inventoryPath, stateDir: sandbox.stateDir,
      reporter: reporterFor(args.format), concurrency: args.concurrency, yes: true,
    });
    return { result: planRun.result, exitCode: reportPlanRun(planRun, args.format, `regen plan ${name} -i ${sandbox.inventoryPath} --state-dir ${sandbox.stateDir}`) };
  };
  say('\nregen plan master --yes   (doc Steps 1-5 on the master)');
  const master = await run('master', {});
  if (master.exitCode !== EXIT_OK) return finish(sandbox, master.exitCode, say);
  say(`\nregen plan agents --concurrency ${args.concurrency}   (doc Step 6 on every agent)`);
  const agents = await run('agents', { concurrency: args.concurrency });
  if (args.format === 'human') printChanges(master.result, agents.result, sandbox);
  return finish(sandbox, agents.exitCode, say);
}

/** What a for_each step returns to its plan: which targets succeeded, and each one's sub-plan result. */
interface BatchSummary {
  ok: string[];
  failed: string[];
  results: Record<string, { fingerprint?: { value?: string } } | undefined>;
}

function printChanges(master: PlanResult, agents: PlanResult, sandbox: Sandbox): void {
  const m = (master.return ?? {}) as Record<string, unknown>;
  const lines = [
    '',
    'What changed:',
    `  CA of ${m.certname}: ${m.old_ca_fingerprint}`,
    `                 now: ${m.new_ca_fingerprint}`,
    `  master backup:   ${m.backup}`,
  ];
  const batch = (agents.return as { agents?: BatchSummary } | undefined)?.agents;
  for (const [name, value] of Object.entries(batch?.results ?? {})) {
    const failed = batch?.failed.includes(name);
    lines.push(`  ${name}: ${failed ? 'FAILED (see above)' : `new certificate ${value?.fingerprint?.value ?? '?'}`}`);
  }
  lines.push(
    '',
    'Where to look:',
    `  the sandbox:     ${sandbox.dir}/hosts/<host>/etc/puppetlabs/puppet/ssl`,
    `  the inventory:   ${sandbox.inventoryPath}`,
    `  run logs:        ${sandbox.stateDir}/logs`,
    `  try:             npx regen task cert_list -i ${sandbox.inventoryPath} -t master`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function finish(sandbox: Sandbox, code: number, say: (t: string) => void): number {
  say(`\nThe sandbox stays in ${sandbox.dir} (delete it when done).`);
  return code;
}
