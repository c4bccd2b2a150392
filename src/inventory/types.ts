// What the rest of regen sees of the inventory: resolved targets with their merged config.
import type { LocalConfig, SshConfig, WinrmConfig } from '../transports/options.js';
import type { TransportName } from '../transports/types.js';

export type { LocalConfig, SshConfig, WinrmConfig };

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
  /**
   * A Bolt transport regen does not run (`docker://`, `transport: pcp`): set, the target is accepted
   * and shown, and fails when regen connects to it.
   */
  unsupportedTransport?: string;
  /** Top-level vars whose value came from a `_plugin` (secrets): shown as '[redacted]'. */
  secretVars?: string[];
}

