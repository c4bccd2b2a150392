// The transport registry: the runner asks for a transport by the name the inventory gives.
import { localTransport } from './local.js';
import { sshTransport } from './ssh/index.js';
import type { Transport, TransportName } from './types.js';
import { winrmTransport } from './winrm/index.js';

const transports: Record<TransportName, Transport> = {
  local: localTransport,
  ssh: sshTransport,
  winrm: winrmTransport,
};

export function transportFor(name: TransportName): Transport {
  return transports[name];
}

export * from './types.js';
