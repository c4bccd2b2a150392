// What the rest of regen sees of the inventory: resolved targets with their merged config.
import type { TransportName } from '../transports/types.js';

export interface SshConfig {
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
}

export interface WinrmConfig {
  user?: string;
  password?: string;
  port?: number;
  ssl?: boolean;
  'ssl-verify'?: boolean;
  cacert?: string;
  'connect-timeout'?: number;
  /** regen extension: 'basic' or 'ntlm' (default ntlm, as Bolt). */
  auth?: 'basic' | 'ntlm';
}

export interface LocalConfig {
  'run-as'?: string;
  'sudo-password'?: string;
  tmpdir?: string;
}

export interface TargetConfig {
  transport: TransportName;
  ssh: SshConfig;
  winrm: WinrmConfig;
  local: LocalConfig;
}

export interface Target {
  /** The name used in specs, results and logs (the URI when the target was given as a bare URI). */
  name: string;
  uri?: string;
  /** Host part of the URI (or the name). */
  host: string;
  alias: string[];
  config: TargetConfig;
  vars: Record<string, unknown>;
  facts: Record<string, unknown>;
  /** Names of every group the target belongs to, outermost first (`all` first). */
  groups: string[];
  /** Top-level vars whose value came from a `_plugin` (secrets): shown as '[redacted]'. */
  secretVars?: string[];
}

/** Config keys whose values are secrets: redacted wherever config is shown or logged. */
export const SECRET_CONFIG_KEYS = ['password', 'sudo-password', 'key-data'] as const;
