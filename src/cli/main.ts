#!/usr/bin/env node
// regen's command line: parse, dispatch, and turn every problem into a clear message and exit code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_ROOT } from '../tasks/bundle.js';
import { registerCommands } from './commands.js';
import { EXIT_OK, EXIT_TARGET_FAILED, EXIT_USAGE, UsageError } from './errors.js';

// Modules load when used (see commands.ts): startup is most of the time of a short command.

export async function main(argv: string[]): Promise<number> {
  process.exitCode = 0;
  const version = packageVersion();
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const { default: yargs } = await import('yargs');
  const cli = yargs(argv)
    .scriptName('regen')
    .version(version)
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
  try {
    await registerCommands(cli, argv);
    await cli.parseAsync();
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (await isValidationError(e)) {
      process.stderr.write(`Error: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`Error: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT_TARGET_FAILED;
  }
}

/** A problem with what was asked (exit 2); the error types' modules are loaded only on this path. */
async function isValidationError(e: unknown): Promise<boolean> {
  if (e instanceof UsageError) return true;
  const [{ InventoryError }, { PlanError }, { TaskError }] = await Promise.all([
    import('../inventory/index.js'), import('../plans/index.js'), import('../tasks/load.js'),
  ]);
  return [InventoryError, PlanError, TaskError].some((kind) => e instanceof kind);
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(BUNDLE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
}

// As yargs' hideBin: the arguments after `node main.js`.
const exitCode = await main(process.argv.slice(2));
process.exit(exitCode);
