// The one interface every transport implements. A transport moves a command and its
// standard input to a target and brings back output and exit code; it knows nothing of
// tasks, plans or inventories beyond the connection settings it is handed.

export type TransportName = 'local' | 'ssh' | 'winrm';

/** The shell a transport's commands run under; decides which task implementation is used. */
export type Shell = 'posix' | 'powershell';

export interface ExecOptions {
  /** Bytes written to the command's standard input, then end-of-file. Secrets travel here, never in `command`. */
  stdin?: string | Buffer;
  /** Stop the command (on the target, not only locally) after this many milliseconds. */
  timeoutMs?: number;
  /**
   * Abort the command early (Ctrl-C, plan cancelled): the process tree on the target is stopped as
   * for a timeout, and exec resolves (it does not reject) with exitCode null and timedOut false.
   */
  signal?: AbortSignal;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the command did not exit on its own (killed, timed out, connection lost). */
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
}

/** An open, reusable connection to one target. */
export interface Connection {
  readonly targetName: string;
  readonly shell: Shell;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

/** Settings a transport needs to reach one target, already merged from the inventory. */
export interface ConnectTarget {
  name: string;
  host: string;
  transport: TransportName;
  /** The merged config for this transport (the `ssh:`, `winrm:` or `local:` section). */
  config: Record<string, unknown>;
}

export interface Transport {
  readonly name: TransportName;
  connect(target: ConnectTarget): Promise<Connection>;
}

export type TransportErrorKind =
  | 'connect' // refused, unreachable, DNS, connect timeout
  | 'auth' // wrong user, password or key
  | 'host-key' // host key unknown or changed
  | 'tls' // certificate or handshake failure (WinRM over HTTPS)
  | 'protocol' // the peer answered something we do not understand (SOAP fault, bad status)
  | 'dropped' // the connection went away mid-command
  | 'sudo'; // run-as failed: wrong sudo password, user not allowed

/** A failure to reach or keep talking to a target. Never thrown for a command's own non-zero exit. */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    readonly targetName: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
