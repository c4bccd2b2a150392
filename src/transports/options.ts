// Every transport's option table, by transport name: what the inventory validates config against.
// Kept apart from index.ts so that reading an inventory never loads a transport's implementation.
import { LOCAL_OPTIONS } from './local-options.js';
import { SSH_OPTIONS } from './ssh/options.js';
import type { TransportName } from './types.js';
import { WINRM_OPTIONS } from './winrm/options.js';
import type { Field } from './fields.js';

export const TRANSPORT_NAMES = ['ssh', 'winrm', 'local'] as const satisfies readonly TransportName[];

export const TRANSPORT_OPTIONS: { [T in TransportName]: Record<string, Field> } = {
  ssh: SSH_OPTIONS,
  winrm: WINRM_OPTIONS,
  local: LOCAL_OPTIONS,
};

export function isTransportName(v: unknown): v is TransportName {
  return (TRANSPORT_NAMES as readonly unknown[]).includes(v);
}

export type { Field } from './fields.js';
export type { SshConfig } from './ssh/options.js';
export type { WinrmConfig } from './winrm/options.js';
export type { LocalConfig } from './local-options.js';
