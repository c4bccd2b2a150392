// The handler API of the WS-Management test server (documented in index.ts).

export interface WsmanCommand {
  /** The command line as the client sent it: <Command> plus any <Arguments>, XML-unescaped. */
  commandLine: string;
  /** Standard input as the Send requests deliver it; ends when the client sends End="true". */
  stdin: AsyncIterable<Buffer>;
  /** All of standard input, once End has arrived. Use either this or `stdin`, not both. */
  readStdin(): Promise<Buffer>;
  /** Aborted when the client sends a Signal (terminate) or deletes the shell, or the server stops. */
  signal: AbortSignal;
  /** The authenticated user that opened the shell. */
  user: string;
}

export type WsmanOutput = { stream: 'stdout' | 'stderr'; data: Buffer | string } | { exitCode: number };

/** Runs one command: yield output as it is produced, then `{exitCode}` (0 if the iterator just ends). */
export type WsmanHandler = (command: WsmanCommand) => AsyncIterable<WsmanOutput>;

export interface WsmanLogEntry {
  /** 'auth' for authentication events, else the WS-Management action's last segment. */
  kind: 'auth' | 'Create' | 'Command' | 'Send' | 'Receive' | 'Signal' | 'Delete' | 'other';
  status: number;
  user?: string;
  scheme?: 'basic' | 'ntlm';
  /** The message travelled NTLM-sealed (HTTP message encryption). */
  encrypted?: boolean;
  tls: boolean;
  shellId?: string;
  commandId?: string;
  commandLine?: string;
  /** Shell options (WINRS_CODEPAGE, WINRS_NOPROFILE, ...) or command options. */
  options?: Record<string, string>;
  operationTimeoutMs?: number;
  stdinBytes?: number;
  stdinEnd?: boolean;
  signalCode?: string;
  /** SOAP fault subcode returned, e.g. 'w:TimedOut'. */
  fault?: string;
  /** Why authentication failed (never contains the password). */
  error?: string;
}

/** Returns a SOAP fault to answer instead of handling the request (e.g. w:AccessDenied), or undefined. */
export type WsmanFaultInjector = (request: {
  action: string;
  commandLine?: string;
  shellId?: string;
}) => { subcode: string; code: string; reason: string } | undefined;
