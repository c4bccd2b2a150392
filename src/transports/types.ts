// The one interface every transport implements. A transport moves a command and its
// standard input to a target and brings back output and exit code; it knows nothing of
// tasks, plans or inventories beyond the connection settings it is handed.
import type { LocalConfig } from './local-options.js';
import type { SshConfig } from './ssh/options.js';
import type { WinrmConfig } from './winrm/options.js';

/** Each transport's own config type, by transport name. */
export interface TransportConfigs {
  ssh: SshConfig;
  winrm: WinrmConfig;
  local: LocalConfig;
}

export type TransportName = keyof TransportConfigs;

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
export interface TargetFor<T extends TransportName> {
  name: string;
  host: string;
  transport: T;
  /** The merged config for this transport (the `ssh:`, `winrm:` or `local:` section). */
  config: TransportConfigs[T];
}

/** A target ready to connect to: its transport decides the type of its config. */
export type ConnectTarget = { [T in TransportName]: TargetFor<T> }[TransportName];

export interface Transport {
  readonly name: TransportName;
  /** Rejects a target of another transport (see wrongTransport). */
  connect(target: ConnectTarget): Promise<Connection>;
}

/** What a transport throws when handed a target meant for another one (a wiring bug, not a user error). */
export function wrongTransport(expected: TransportName, target: ConnectTarget): TransportError {
  return new TransportError('connect', target.name, `the ${expected} transport was given a ${target.transport} target`,
    'This is a bug in regen: please report it with the command you ran.');
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
