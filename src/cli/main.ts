#!/usr/bin/env node
// regen's command line: parse, dispatch, and turn every problem into a clear message and exit code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Options } from 'yargs';
import { BUNDLE_ROOT } from '../tasks/bundle.js';
import { registerCommands } from './commands.js';
import { EPILOGUE, EXAMPLES, GLOBAL_OPTIONS, topHelp, USAGE } from './top-help.js';
import { errorExitCode, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';

// Modules load when used (see commands.ts): startup is most of the time of a short command.

export async function main(argv: string[]): Promise<number> {
  process.exitCode = 0;
  const version = packageVersion();
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  if (argv.length === 1 && argv[0] === '--help') {
    process.stdout.write(topHelp());
    return EXIT_OK;
  }
  const { default: yargs } = await import('yargs');
  const cli = yargs(argv)
    .scriptName('regen')
    .version(version)
    .usage(`$0 <command> [options]\n\n${USAGE}`)
    .options(GLOBAL_OPTIONS as unknown as Record<string, Options>)
    .strict()
    .demandCommand(1, 'Say what to do: try `regen --help`.')
    .recommendCommands()
    .epilogue(EPILOGUE)
    .wrap(Math.min(110, process.stdout.columns ?? 100));
  for (const [cmd, what] of EXAMPLES) cli.example(`$0 ${cmd}`, what);
  cli.fail((message, error) => {
    throw error ?? new UsageError(message);
  });
  try {
    await registerCommands(cli, argv);
    await cli.parseAsync();
    return Number(process.exitCode ?? 0);
  } catch (e) {
    const code = errorExitCode(e);
    process.stderr.write(`Error: ${code === EXIT_USAGE ? (e as Error).message : (e as Error)?.stack ?? String(e)}\n`);
    return code;
  }
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(BUNDLE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
}

// As yargs' hideBin: the arguments after `node main.js`.
const exitCode = await main(process.argv.slice(2));
process.exit(exitCode);
