// The WinRM transport: WS-Management Windows Remote Shell over HTTP(S), Basic or NTLM.
// See README.md in this folder for the protocol decisions and their limits.
import { readFileSync } from 'node:fs';
import { TransportError, wrongTransport, type Connection, type ConnectTarget, type Transport } from '../types.js';
import { WsmanClient } from './client.js';
import { WinrmConnection } from './connection.js';

/** How long the server may hold a Receive before answering w:TimedOut (pywinrm and Bolt use 20 s too). */
export const DEFAULT_OPERATION_TIMEOUT_MS = 20_000;

export interface WinrmTransportOptions {
  /** The WS-Management OperationTimeout sent with every request. */
  operationTimeoutMs?: number;
}

export function createWinrmTransport(options: WinrmTransportOptions = {}): Transport {
  return {
    name: 'winrm',
    async connect(target: ConnectTarget): Promise<Connection> {
      if (target.transport !== 'winrm') throw wrongTransport('winrm', target);
      const config = target.config;
      const fail = (message: string, hint: string) => new TransportError('auth', target.name, `${target.name}: ${message}`, hint);
      if (!config.user) throw fail('winrm.user is not set', 'set winrm.user (and winrm.password) for this target in the inventory');
      if (config.password === undefined) throw fail('winrm.password is not set', 'set winrm.password for this target in the inventory');
      const ssl = config.ssl ?? true;
      const auth = config.auth ?? 'ntlm';
      if (auth !== 'ntlm' && auth !== 'basic') {
        throw fail(`winrm.auth '${String(auth)}' is not supported`, "use 'ntlm' (default) or 'basic'");
      }
      if (auth === 'basic' && !ssl) {
        throw fail(
          'Basic authentication over plain HTTP would send the password in clear text',
          'use ssl: true (an HTTPS listener, port 5986) or auth: ntlm, which encrypts messages over HTTP',
        );
      }
      let ca: Buffer | undefined;
      if (ssl && config.cacert) {
        try {
          ca = readFileSync(config.cacert);
        } catch (err) {
          throw new TransportError(
            'tls',
            target.name,
            `${target.name}: cannot read winrm.cacert ${config.cacert}: ${(err as Error).message}`,
            'point winrm.cacert at a readable PEM file holding the CA certificate of the WinRM listener',
          );
        }
      }
      const client = new WsmanClient({
        target: {
          host: target.host,
          port: config.port ?? (ssl ? 5986 : 5985),
          tls: ssl ? { ca, rejectUnauthorized: config['ssl-verify'] ?? true } : undefined,
          connectTimeoutMs: (config['connect-timeout'] ?? 10) * 1000,
        },
        auth,
        user: config.user,
        password: config.password,
      });
      const connection = new WinrmConnection({
        targetName: target.name,
        client,
        user: config.user,
        auth,
        operationTimeoutMs: options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
      });
      await connection.open();
      return connection;
    },
  };
}

export const winrmTransport: Transport = createWinrmTransport();
