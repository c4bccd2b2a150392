import type { WinrmConfig } from '../../../src/inventory/types.js';
import { createWinrmTransport } from '../../../src/transports/winrm/index.js';
import type { ConnectTarget, Connection } from '../../../src/transports/types.js';
import type { WsmanServer } from '../../support/wsman-server/index.js';

export const USER = 'Administrator';
/** A password with characters that break naive quoting and encodings. */
export const PASSWORD = `Tr0ub4dor&3 "é" <x> ^%PATH%`;
export const USERS = { [USER]: PASSWORD };

export function targetFor(server: WsmanServer, config: Partial<WinrmConfig> = {}): ConnectTarget {
  const tls = server.url.startsWith('https:');
  return {
    name: 'win-agent-1',
    host: server.host,
    transport: 'winrm',
    config: { user: USER, password: PASSWORD, port: server.port, ssl: tls, auth: 'ntlm', 'connect-timeout': 5, ...config },
  };
}

export function connect(server: WsmanServer, config: Partial<WinrmConfig> = {}): Promise<Connection> {
  return createWinrmTransport().connect(targetFor(server, config));
}

/** Every string a test can see of an error: message, hint and stack. */
export function errorText(err: unknown): string {
  const e = err as Error & { hint?: string };
  return [e.message, e.hint ?? '', e.stack ?? ''].join('\n');
}

export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { kind?: string; hint?: string; targetName?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
