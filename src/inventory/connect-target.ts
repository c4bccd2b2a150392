// The transport-facing view of a resolved target. The URI was already folded into the config, once,
// when the target was built (target.ts); here the target's own transport section is picked, typed.
import { TransportError, type ConnectTarget } from '../transports/types.js';
import type { Target } from './types.js';

/** Throws a TransportError for a target of a Bolt transport regen does not run (docker, pcp, remote, ...). */
export function connectTargetOf(target: Target): ConnectTarget {
  const { name, host, config } = target;
  if (target.unsupportedTransport !== undefined) {
    throw new TransportError('connect', name, `target ${name} uses Bolt's ${target.unsupportedTransport} transport, which regen does not run`,
      `regen connects over ssh, winrm and local only: give ${name} an ssh:// or winrm:// uri, or set config.transport to ssh or winrm for it, ` +
        'or leave it out of the target spec.');
  }
  switch (config.transport) {
    case 'ssh':
      return { name, host, transport: 'ssh', config: { ...config.ssh } };
    case 'winrm':
      return { name, host, transport: 'winrm', config: { ...config.winrm } };
    case 'local':
      return { name, host, transport: 'local', config: { ...config.local } };
  }
}
