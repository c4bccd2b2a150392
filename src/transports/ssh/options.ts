// The `ssh:` section of the inventory: every option the SSH transport reads, and what each accepts.
import { absPath, int, port, seconds, secret, text, type Field, type OptionTable } from '../fields.js';

export interface SshConfig {
  /** Bolt's `host`: the host to reach when the target is written as a name without a uri. */
  host?: string;
  user?: string;
  port?: number;
  password?: string;
  'private-key'?: string | { 'key-data': string };
  /** true: check against known_hosts (default). false: no check. 'accept-new': trust on first use. */
  'host-key-check'?: boolean | 'accept-new';
  /** regen extension: the known_hosts file to check against (default ~/.ssh/known_hosts). */
  'known-hosts'?: string;
  'run-as'?: string;
  'sudo-password'?: string;
  'connect-timeout'?: number;
  /** regen extension: open channels per connection (OpenSSH's default MaxSessions is 10). */
  'max-channels'?: number;
  tmpdir?: string;
  /** Bolt's `proxyjump`: `[user@]host[:port]` of a jump host the connection is tunnelled through. */
  proxyjump?: string;
}

const privateKey: Field<NonNullable<SshConfig['private-key']>> = {
  expect: 'a key file path or { key-data: ... }',
  check: (v): v is string | { 'key-data': string } =>
    (typeof v === 'string' && v !== '') ||
    (typeof v === 'object' && v !== null && typeof (v as { 'key-data'?: unknown })['key-data'] === 'string'),
};

export const SSH_OPTIONS: OptionTable<SshConfig> = {
  host: text,
  user: text,
  port,
  password: secret,
  'private-key': privateKey,
  'host-key-check': {
    expect: "true, false or 'accept-new'",
    check: (v): v is boolean | 'accept-new' => typeof v === 'boolean' || v === 'accept-new',
    parse: 'bool',
  },
  'known-hosts': text,
  'run-as': text,
  'sudo-password': secret,
  'connect-timeout': seconds,
  'max-channels': int(1, 64),
  tmpdir: absPath,
  proxyjump: {
    expect: 'a jump host as [user@]host[:port] or ssh://[user@]host[:port]',
    check: (v): v is string => typeof v === 'string' && parseJump(v) !== undefined,
  },
};

/** A proxyjump value's parts, or undefined when it is not `[ssh://][user@]host[:port]`. */
export function parseJump(v: string): { host: string; port?: number; user?: string } | undefined {
  if (v === '' || /[\s,]/.test(v) || (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !v.startsWith('ssh://'))) return undefined;
  let url: URL;
  try {
    url = new URL(v.startsWith('ssh://') ? v : `ssh://${v}`);
  } catch {
    return undefined;
  }
  if (!url.hostname || url.password || (url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) return undefined;
  return { host: url.hostname, ...(url.port && { port: Number(url.port) }), ...(url.username && { user: decodeURIComponent(url.username) }) };
}
