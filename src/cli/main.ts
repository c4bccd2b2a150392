#!/usr/bin/env node
// regen's command line: parse, dispatch, and turn every problem into a clear message and exit code.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InventoryError } from '../inventory/index.js';
import { PlanError } from '../plans/index.js';
import { TaskError } from '../tasks/load.js';
import { EXIT_TARGET_FAILED, EXIT_USAGE, UsageError } from './errors.js';
import { inventoryCommand } from './inventory.js';
import { demoCommand } from './demo.js';
import { planCommand } from './plan.js';
import { taskCommand } from './task.js';

const VALIDATION_ERRORS = [UsageError, TaskError, InventoryError, PlanError];

export async function main(argv: string[]): Promise<number> {
  process.exitCode = 0;
  const cli = yargs(argv)
    .scriptName('regen')
    .usage('$0 <command> [options]\n\nRegenerate every certificate of a Puppet Enterprise 3.7 deployment, safely and resumably.')
    .option('inventory', { alias: 'i', type: 'string', default: 'inventory.yaml', describe: 'Bolt inventory v2 file', global: true })
    .option('format', { type: 'string', choices: ['human', 'json'] as const, default: 'human', describe: 'Output for people or for machines', global: true })
    .strict()
    .demandCommand(1, 'Say what to do: try `regen --help`.')
    .recommendCommands()
    .example('$0 task list', 'List the tasks')
    .example('$0 inventory show -t all', 'Show every target with its merged config (secrets redacted)')
    .example('$0 demo', 'Run the whole procedure on a simulated PE 3.7 site in a sandbox')
    .example('$0 plan master --dry-run', 'Check the master and show what the procedure would do')
    .example('$0 plan master', 'Regenerate the CA and the master\'s credentials (doc Steps 1-5)')
    .example('$0 plan agents --concurrency 10', 'Re-enroll every agent (doc Step 6)')
    .example('$0 task cert_list -t master', 'List the CA\'s certificates on the master')
    .epilogue('Exit codes: 0 all targets ok, 1 some target failed, 2 usage or validation error.')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  taskCommand(cli);
  planCommand(cli);
  demoCommand(cli);
  inventoryCommand(cli);
  try {
    await cli.parseAsync();
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (VALIDATION_ERRORS.some((kind) => e instanceof kind)) {
      process.stderr.write(`Error: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`Error: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT_TARGET_FAILED;
  }
}

const exitCode = await main(hideBin(process.argv));
process.exit(exitCode);
