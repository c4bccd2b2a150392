// The transport-facing view of a resolved target. The URI was already folded into the config, once,
// when the target was built (target.ts); here the target's own transport section is picked, typed.
import type { ConnectTarget } from '../transports/types.js';
import type { Target } from './types.js';

export function connectTargetOf(target: Target): ConnectTarget {
  const { name, host, config } = target;
  switch (config.transport) {
    case 'ssh':
      return { name, host, transport: 'ssh', config: { ...config.ssh } };
    case 'winrm':
      return { name, host, transport: 'winrm', config: { ...config.winrm } };
    case 'local':
      return { name, host, transport: 'local', config: { ...config.local } };
  }
}
