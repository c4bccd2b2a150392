// Bolt's connection flags, so a Bolt user's command line works: each one is either mapped to the same
// inventory setting regen reads, or refused with what regen takes instead (exit 2). Passwords given here
// join the target's config and so the run log's secrets (secretValues), like passwords from the inventory.
import type { Argv } from 'yargs';
import type { Target } from '../inventory/types.js';
import { UsageError } from './errors.js';

export interface BoltFlagArgs {
  inventoryfile?: string;
  user?: string;
  password?: string;
  'private-key'?: string;
  transport?: 'ssh' | 'winrm' | 'local';
  'host-key-check'?: boolean;
  'sudo-password'?: string;
  tmpdir?: string;
  'password-prompt'?: boolean;
  'sudo-password-prompt'?: boolean;
}

/** Bolt flags regen does not take, and what to use instead. */
const REFUSED: Record<string, string> = {
  'password-prompt': 'regen does not prompt for passwords: put password in the inventory (or use -p/--password)',
  'sudo-password-prompt': 'regen does not prompt for passwords: put sudo-password in the inventory (or use --sudo-password)',
};

export function withBoltFlags<T>(y: Argv<T>) {
  return y
    .option('inventoryfile', { type: 'string', hidden: true, describe: 'Bolt\'s name for -i/--inventory' })
    .option('user', { alias: 'u', type: 'string', describe: 'Bolt flag: user to log in as (ssh and winrm user)' })
    .option('password', { alias: 'p', type: 'string', describe: 'Bolt flag: login password (redacted from logs; the inventory is safer)' })
    .option('private-key', { type: 'string', describe: 'Bolt flag: ssh private-key file' })
    .option('transport', { type: 'string', choices: ['ssh', 'winrm', 'local'] as const, describe: 'Bolt flag: transport for every selected target' })
    .option('host-key-check', { type: 'boolean', describe: 'Bolt flag: --no-host-key-check turns ssh host key checking off' })
    .option('sudo-password', { type: 'string', describe: 'Bolt flag: password for sudo with --run-as (redacted from logs)' })
    .option('tmpdir', { type: 'string', describe: 'Bolt flag: directory on the targets for task files' })
    .option('password-prompt', { type: 'boolean', hidden: true })
    .option('sudo-password-prompt', { type: 'boolean', hidden: true })
    .middleware((argv) => {
      const args = argv as Record<string, unknown>;
      if (typeof argv.inventoryfile === 'string') args.inventory = argv.inventoryfile;
      // yargs drops the '-' of Bolt's `--params -` and leaves an empty value.
      if (args.params === '' && stdinParams(process.argv)) args.params = '-';
    })
    .check((argv) => {
      for (const [flag, instead] of Object.entries(REFUSED)) {
        if (argv[flag] !== undefined) throw new UsageError(`--${flag} is a Bolt flag regen does not take: ${instead}`);
      }
      for (const flag of ['user', 'password', 'private-key', 'sudo-password', 'tmpdir', 'inventoryfile'] as const) {
        const v = argv[flag];
        // The value is never echoed: it may be a password.
        if (v !== undefined && (typeof v !== 'string' || v === '')) throw new UsageError(`--${flag} needs a value`);
      }
      return true;
    });
}

function stdinParams(argv: string[]): boolean {
  return argv.some((a, i) => a === '--params=-' || (a === '--params' && argv[i + 1] === '-'));
}

/** Applies the Bolt flags to a target's (already cloned) config; flags win over the inventory, as in Bolt. */
export function applyBoltFlags(config: Target['config'], args: BoltFlagArgs): void {
  if (args.transport) config.transport = args.transport;
  const remote = [config.ssh, config.winrm] as Array<Record<string, unknown>>;
  for (const c of remote) {
    if (args.user) c.user = args.user;
    if (args.password) c.password = args.password;
    if (args.tmpdir) c.tmpdir = args.tmpdir;
  }
  const ssh = config.ssh as Record<string, unknown>;
  if (args['private-key']) ssh['private-key'] = args['private-key'];
  if (args['host-key-check'] !== undefined) ssh['host-key-check'] = args['host-key-check'];
  if (args['sudo-password']) ssh['sudo-password'] = args['sudo-password'];
}

