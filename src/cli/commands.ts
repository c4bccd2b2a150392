// The commands regen knows, and how each one's module is loaded: only when that command runs, so that
// `regen --version`, `regen --help` and every other command pay for nothing they do not use.
import type { Argv } from 'yargs';

export interface CommandSpec {
  /** The first word on the command line. */
  name: string;
  /** yargs' command string: name and positionals. */
  command: string;
  describe: string;
  /** Imports the command's module and registers it (options and handler) on `y`. */
  register(y: Argv, spec: CommandSpec): Promise<void>;
}

export const COMMANDS: CommandSpec[] = [
  {
    name: 'task',
    command: 'task <name> [words..]',
    describe: 'Run one task on targets, or list and show tasks',
    register: async (y, spec) => void (await import('./task.js')).taskCommand(y, spec),
  },
  {
    name: 'plan',
    command: 'plan <name> [words..]',
    describe: 'Run a plan (the procedure) on targets, or list and show plans',
    register: async (y, spec) => void (await import('./plan.js')).planCommand(y, spec),
  },
  {
    name: 'demo',
    command: 'demo',
    describe: 'Build a simulated PE 3.7 site in a sandbox and regenerate all its certificates (no root, no SSH)',
    register: async (y, spec) => void (await import('./demo.js')).demoCommand(y, spec),
  },
  {
    name: 'coverage',
    command: 'coverage',
    describe: 'Read-only: every agent the old CA signed, re-enrolled under the new CA or not (failed, not attempted, unreachable)',
    register: async (y, spec) => void (await import('./coverage.js')).coverageCommand(y, spec),
  },
  {
    name: 'inventory',
    command: 'inventory show',
    describe: 'Show the targets a spec resolves to, with their merged config',
    register: async (y, spec) => void (await import('./inventory.js')).inventoryCommand(y, spec),
  },
];

/** Options that may come before the command word and take a value (`regen -i FILE plan ...`). */
const GLOBAL_VALUE_OPTIONS = new Set(['-i', '--inventory', '--inventoryfile', '--format']);

/**
 * The command the arguments name: the first word that is one of COMMANDS (options of any command may come
 * before it, `regen --state-dir D task ...`), skipping the values of the global options.
 */
export function commandNamed(argv: string[]): CommandSpec | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return undefined;
    if (GLOBAL_VALUE_OPTIONS.has(arg)) i++;
    else {
      const spec = COMMANDS.find((c) => c.name === arg);
      if (spec) return spec;
    }
  }
  return undefined;
}

/**
 * Registers every command on `y`: the named one with its module (options, handler), the others by
 * name and description only, which is all `--help` and yargs' "did you mean" need of them.
 */
export async function registerCommands(y: Argv, argv: string[]): Promise<void> {
  const chosen = commandNamed(argv);
  for (const spec of COMMANDS) {
    if (spec === chosen) await spec.register(y, spec);
    else y.command(spec.command, spec.describe);
  }
}
