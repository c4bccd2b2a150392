// One WinRM connection per target: one remote shell, reused by every exec. Execs run one at a
// time (a queue): regen runs one task per target at a time, and a single command in flight keeps
// well inside WinRM's per-user quotas (MaxShellsPerUser, MaxConcurrentOperationsPerUser).
import type { Connection, ExecOptions, ExecResult } from '../types.js';
import { WsmanClient } from './client.js';
import { toTransportError, type ErrorContext } from './errors.js';
import { ShellOps, WinrmFault, type Step } from './shell.js';

/** Raw stdin bytes per Send: 64 KiB of base64 keeps envelopes well under MaxEnvelopeSize. */
const STDIN_CHUNK = 48 * 1024;
/** HTTP timeout for the Signal and Delete sent while cleaning up. */
const CLEANUP_TIMEOUT_MS = 10_000;

/** w:InvalidSelectors, code 2150858843: "the shell was not found on the server". */
function isShellGone(err: WinrmFault): boolean {
  return err.fault.wsmanCode === '2150858843' || /InvalidSelectors$/.test(err.fault.subcode);
}

export interface WinrmSettings {
  targetName: string;
  client: WsmanClient;
  user: string;
  auth: 'basic' | 'ntlm';
  operationTimeoutMs: number;
}

export class WinrmConnection implements Connection {
  readonly shell = 'powershell' as const;
  readonly targetName: string;
  private readonly ops: ShellOps;
  private shellId?: string;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly closing = new AbortController();
  private closed = false;

  constructor(private readonly settings: WinrmSettings) {
    this.targetName = settings.targetName;
    this.ops = new ShellOps(settings.client, settings.operationTimeoutMs);
  }

  private context(step: Step, command?: string): ErrorContext {
    const { targetName, client, user, auth } = this.settings;
    return { targetName, endpoint: client.endpoint, user, auth, step, command };
  }

  /** Opens the shell now, so that connect, TLS and authentication failures surface at connect time. */
  async open(): Promise<void> {
    try {
      this.shellId = await this.ops.createShell(this.closing.signal);
    } catch (err) {
      this.settings.client.close();
      throw toTransportError(err, this.context('create shell'));
    }
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const run = this.queue.then(() => this.run(command, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(command: string, options: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const result = (exitCode: number | null, timedOut: boolean): ExecResult => ({
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
      exitCode,
      timedOut,
      durationMs: Date.now() - started,
    });
    if (this.closed) throw toTransportError(new Error('the connection is closed'), this.context('start command', command));
    if (options.signal?.aborted) return result(null, false);

    const abort = new AbortController();
    let timedOut = false;
    const onAbort = () => abort.abort();
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            abort.abort();
          }, options.timeoutMs)
        : undefined;
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.closing.signal.addEventListener('abort', onAbort, { once: true });

    let step: Step = 'create shell';
    let shellId: string | undefined;
    let commandId: string | undefined;
    try {
      const reused = this.shellId !== undefined;
      shellId = this.shellId ??= await this.ops.createShell(abort.signal);
      step = 'start command';
      try {
        commandId = await this.ops.command(shellId, command, abort.signal);
      } catch (err) {
        // The server dropped the shell (its IdleTimeout passed): make a new one, once.
        if (!(err instanceof WinrmFault && isShellGone(err)) || !reused) throw err;
        this.shellId = undefined;
        step = 'create shell';
        shellId = this.shellId = await this.ops.createShell(abort.signal);
        step = 'start command';
        commandId = await this.ops.command(shellId, command, abort.signal);
      }

      step = 'send stdin';
      const input = options.stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(options.stdin) ? options.stdin : Buffer.from(options.stdin, 'utf8');
      try {
        for (let at = 0; ; at += STDIN_CHUNK) {
          const end = at + STDIN_CHUNK >= input.length;
          await this.ops.send(shellId, commandId, input.subarray(at, at + STDIN_CHUNK), end, abort.signal);
          if (end) break;
        }
      } catch (err) {
        // A command that exits without reading all its input makes Send fail: its output and
        // exit code still matter, so go on receiving.
        if (!(err instanceof WinrmFault)) throw err;
      }

      step = 'receive output';
      for (;;) {
        const received = await this.ops.receive(shellId, commandId, abort.signal);
        if (!received) continue; // w:TimedOut: the command is still running silently
        for (const chunk of received.chunks) (chunk.stream === 'stdout' ? stdout : stderr).push(Buffer.from(chunk.base64, 'base64'));
        if (received.done) {
          await this.ops.terminate(shellId, commandId, CLEANUP_TIMEOUT_MS).catch(() => undefined);
          return result(received.exitCode ?? null, false);
        }
      }
    } catch (err) {
      if (abort.signal.aborted) {
        await this.dropShell(shellId, commandId);
        return result(null, timedOut);
      }
      throw toTransportError(err, this.context(step, command));
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      this.closing.signal.removeEventListener('abort', onAbort);
    }
  }

  /** After a timeout or cancel: terminate the command on the target and delete its shell. */
  private async dropShell(shellId: string | undefined, commandId: string | undefined): Promise<void> {
    if (shellId === undefined) return;
    if (this.shellId === shellId) this.shellId = undefined;
    if (commandId !== undefined) await this.ops.terminate(shellId, commandId, CLEANUP_TIMEOUT_MS).catch(() => undefined);
    await this.ops.deleteShell(shellId, CLEANUP_TIMEOUT_MS).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    await this.queue;
    const shellId = this.shellId;
    this.shellId = undefined;
    if (shellId !== undefined) await this.ops.deleteShell(shellId, CLEANUP_TIMEOUT_MS).catch(() => undefined);
    this.settings.client.close();
  }
}
