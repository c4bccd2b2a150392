// The transport registry: the runner asks for a transport by the name the inventory gives.
import { localTransport } from './local.js';
import { sshTransport } from './ssh/index.js';
import type { Transport, TransportName } from './types.js';
import { winrmTransport } from './winrm/index.js';

const transports: Partial<Record<TransportName, Transport>> = {
  local: localTransport,
  ssh: sshTransport,
  winrm: winrmTransport,
};

export function transportFor(name: TransportName): Transport {
  const transport = transports[name];
  if (!transport) throw new Error(`transport '${name}' is not available in this build of regen`);
  return transport;
}

export * from './types.js';
