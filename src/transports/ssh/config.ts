// Turns a target's merged `ssh:` config into what the SSH transport needs, with defaults
// (port 22, the local user, known_hosts checked, 10 s connect timeout, 10 channels).
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader only exposes its default export at run time.
const { utils } = ssh2;
import type { RunAs } from '../posix/wrap.js';
import { TransportError, type TargetFor } from '../types.js';
import { parseJump, type SshConfig } from './options.js';

export interface SshSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** Parsed private keys to offer, in order, each with where it came from (for messages). */
  keys: { key: ParsedKey; from: string }[];
  /** Use the ssh-agent at this socket (only when no key and no password is configured). */
  agent?: string;
  hostKeyCheck: boolean | 'accept-new';
  /** Files checked for host keys; the first is the one accept-new appends to. */
  knownHosts: string[];
  runAs?: RunAs;
  connectTimeoutMs: number;
  maxChannels: number;
  /** The jump host (proxyjump), reached with the same keys, password and known_hosts as the target. */
  jump?: { host: string; port: number; user: string };
}

export function sshSettings(target: TargetFor<'ssh'>): SshSettings {
  const c = target.config;
  const user = c.user ?? userInfo().username;
  const keys = c['private-key'] !== undefined ? [loadKey(target.name, c['private-key'])] : [];
  let agent: string | undefined;
  if (keys.length === 0 && c.password === undefined) {
    keys.push(...defaultKeys());
    agent = process.env.SSH_AUTH_SOCK || undefined;
  }
  const runAsUser = c['run-as'];
  const runAs =
    runAsUser && runAsUser !== user ? { user: runAsUser, password: c['sudo-password'] ?? c.password } : undefined;
  if (runAs?.password !== undefined && /[\r\n]/.test(runAs.password)) {
    throw new TransportError('sudo', target.name, 'the sudo password contains a line break', 'sudo reads one line: fix sudo-password.');
  }
  const maxChannels = c['max-channels'] ?? 10;
  if (!Number.isInteger(maxChannels) || maxChannels < 1) {
    throw new TransportError('connect', target.name, `max-channels must be a positive integer, not ${maxChannels}`, 'Fix max-channels in the inventory.');
  }
  const check = c['host-key-check'] ?? true;
  const jump = c.proxyjump !== undefined ? parseJump(c.proxyjump) : undefined;
  return {
    host: target.host,
    port: c.port ?? 22,
    user,
    password: c.password,
    keys,
    agent,
    hostKeyCheck: check,
    knownHosts: c['known-hosts']
      ? [expandHome(c['known-hosts'])]
      : [join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'],
    runAs,
    connectTimeoutMs: (c['connect-timeout'] ?? 10) * 1000,
    maxChannels,
    ...(jump && { jump: { host: jump.host, port: jump.port ?? 22, user: jump.user ?? user } }),
  };
}

function loadKey(targetName: string, spec: NonNullable<SshConfig['private-key']>): { key: ParsedKey; from: string } {
  let data: string | Buffer;
  let from: string;
  if (typeof spec === 'string') {
    from = expandHome(spec);
    try {
      data = readFileSync(from);
    } catch (err) {
      throw new TransportError('auth', targetName, `cannot read private-key ${from}: ${(err as Error).message}`,
        'Check the private-key path in the inventory and that regen may read it.');
    }
  } else {
    from = 'private-key key-data';
    data = spec['key-data'];
  }
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) {
    throw new TransportError('auth', targetName, `cannot use ${from}: ${parsed.message}`,
      'Give an unencrypted private key in OpenSSH or PEM format (regen does not prompt for passphrases).');
  }
  return { key: Array.isArray(parsed) ? parsed[0] : parsed, from };
}

/** ~/.ssh/id_ed25519, id_ecdsa, id_rsa when they exist and need no passphrase (as `ssh` would try). */
function defaultKeys(): { key: ParsedKey; from: string }[] {
  const found: { key: ParsedKey; from: string }[] = [];
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const file = join(homedir(), '.ssh', name);
    if (!existsSync(file)) continue;
    try {
      const parsed = utils.parseKey(readFileSync(file));
      if (!(parsed instanceof Error)) found.push({ key: Array.isArray(parsed) ? parsed[0] : parsed, from: file });
    } catch {
      // unreadable: skip, as ssh does
    }
  }
  return found;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
