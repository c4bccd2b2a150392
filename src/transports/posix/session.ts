// Runs one wrapped command over any byte pipe (an SSH channel, a local child process): feeds the
// sudo password when sudo prompts, sends stdin once the command has started, collects raw output,
// and on timeout or abort stops the whole remote process tree before returning.
import type { Readable, Writable } from 'node:stream';
import { TransportError, type ExecOptions, type ExecResult } from '../types.js';
import { killScript, wrapCommand, type RunAs } from './wrap.js';
import { redactText } from '../../util/objects.js';

/** A started command line on the target. */
export interface RawProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Settles when the process has exited and its streams are closed; rejects if the connection drops. */
  done: Promise<{ code: number | null; signal: string | null }>;
  /** Stops waiting for it: closes the channel (SSH) or kills the local process group. */
  abandon(): void;
}

export interface Launcher {
  targetName: string;
  runAs?: RunAs;
  /** Starts a command line. `control` launches (the stopper) may use a reserved channel. */
  launch(line: string, control: boolean, signal?: AbortSignal): Promise<RawProcess>;
}

const SCAN_LIMIT = 64 * 1024;
const STOPPER_TIMEOUT_MS = 20_000;
const GRACE_AFTER_STOP_MS = 3_000;

/** Thrown by a launcher when the signal aborts while the command waits for a channel. */
export class LaunchAborted extends Error {}

export async function runPosix(l: Launcher, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const { signal, timeoutMs } = options;
  const started = Date.now();
  const stopped = (reason: 'timeout' | 'abort'): ExecResult => ({
    stdout: '',
    stderr: '',
    exitCode: null,
    timedOut: reason === 'timeout',
    durationMs: Date.now() - started,
  });
  if (signal?.aborted) return stopped('abort');
  const w = wrapCommand(command, l.runAs);
  let proc: RawProcess;
  try {
    proc = await l.launch(w.line, false, signal);
  } catch (err) {
    if (err instanceof LaunchAborted || signal?.aborted) return stopped('abort');
    throw err;
  }

  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let errBytes = 0;
  let ids: { pid: number; pgid: number } | undefined;
  let prompts = 0;
  let stdinSent = false;
  let stopping: 'timeout' | 'abort' | undefined;
  let stopper: Promise<void> | undefined;

  proc.stdin.on('error', () => {}); // the command may exit without reading its stdin
  const sendStdin = () => {
    if (stdinSent) return;
    stdinSent = true;
    proc.stdin.end(options.stdin ?? '');
  };

  proc.stdout.on('data', (c: Buffer) => out.push(c));
  proc.stderr.on('data', (c: Buffer) => {
    err.push(c);
    errBytes += c.length;
    if (ids || errBytes > SCAN_LIMIT) return;
    const head = Buffer.concat(err).toString('latin1');
    if (w.prompt && l.runAs?.password !== undefined) {
      const seen = head.split(w.prompt).length - 1;
      if (seen > prompts) {
        prompts = seen;
        // A second prompt means sudo refused the password: end stdin so sudo gives up.
        if (prompts === 1) proc.stdin.write(`${l.runAs.password}\n`);
        else if (!stdinSent) {
          stdinSent = true;
          proc.stdin.end();
        }
      }
    }
    const m = w.marker.exec(head);
    if (m) {
      ids = { pid: Number(m[1]), pgid: Number(m[2]) };
      sendStdin();
    }
  });
  if (!l.runAs) sendStdin();

  let forceDone: () => void = () => {};
  const forced = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    forceDone = () => resolve({ code: null, signal: null });
  });
  proc.done.catch(() => {}); // rejection is handled below; this keeps an early one from being "unhandled"
  const stop = (reason: 'timeout' | 'abort') => {
    if (stopping) return;
    stopping = reason;
    stopper = (async () => {
      if (ids) {
        try {
          await stopTree(l, ids.pid, ids.pgid);
        } catch {
          // the connection is going away: `done` reports that
        }
        const closed = await Promise.race([
          proc.done.then(() => true, () => true),
          delay(GRACE_AFTER_STOP_MS).then(() => false),
        ]);
        if (closed) return;
      }
      // Nothing of ours runs yet (sudo still asking), or something survived: stop waiting for it.
      proc.abandon();
      await delay(GRACE_AFTER_STOP_MS);
      forceDone();
    })();
  };
  const timer = timeoutMs !== undefined && timeoutMs > 0 ? setTimeout(() => stop('timeout'), timeoutMs) : undefined;
  const onAbort = () => stop('abort');
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stop('abort'); // aborted while the channel was opening

  let exit: { code: number | null; signal: string | null };
  try {
    exit = await Promise.race([proc.done, forced]);
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (stopper) await Promise.race([stopper, proc.done.catch(() => {})]);

  const stdout = w.cleanStdout(Buffer.concat(out)).toString('utf8');
  const stderr = w.clean(Buffer.concat(err).toString('utf8'));
  if (l.runAs && !ids && !stopping) throw sudoError(l, stderr, exit.code);
  return {
    stdout,
    stderr,
    exitCode: stopping ? null : exit.code,
    timedOut: stopping === 'timeout',
    durationMs: Date.now() - started,
  };
}

/** Stops process `pid`, its descendants and its process group on the target (as the run-as user). */
async function stopTree(l: Launcher, pid: number, pgid: number): Promise<void> {
  const w = wrapCommand('/bin/sh -s', l.runAs);
  const proc = await l.launch(w.line, true);
  proc.stdin.on('error', () => {});
  proc.stdout.resume();
  let head = '';
  let prompted = false;
  let sent = false;
  const send = () => {
    if (!sent) proc.stdin.end(killScript(pid, pgid));
    sent = true;
  };
  proc.stderr.on('data', (c: Buffer) => {
    if (head.length > SCAN_LIMIT) return;
    head += c.toString('latin1');
    if (w.prompt && !prompted && head.includes(w.prompt) && l.runAs?.password !== undefined) {
      prompted = true;
      proc.stdin.write(`${l.runAs.password}\n`);
    }
    if (w.marker.test(head)) send();
  });
  if (!l.runAs) send();
  const timer = setTimeout(() => proc.abandon(), STOPPER_TIMEOUT_MS);
  try {
    await proc.done;
  } finally {
    clearTimeout(timer);
  }
}

function sudoError(l: Launcher, stderr: string, code: number | null): TransportError {
  const user = l.runAs?.user ?? '';
  const password = l.runAs?.password;
  const said = redactText(stderr, password ? [password] : [])
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' / ');
  let hint = `Check that the login user may run commands as '${user}' with sudo on this host.`;
  if (/incorrect password|try again|no password was provided|authentication failure/i.test(stderr)) {
    hint = 'The sudo password was refused: check sudo-password (or password) for this target in the inventory.';
  } else if (/password is required/i.test(stderr)) {
    hint = 'sudo wants a password: set sudo-password for this target, or allow the command with NOPASSWD.';
  } else if (/not in the sudoers|not allowed to|may not run sudo/i.test(stderr)) {
    hint = `The login user is not allowed to run commands as '${user}': fix the sudoers rules or use another run-as.`;
  } else if (/must have a tty/i.test(stderr)) {
    hint = `sudoers has 'requiretty' for the login user: add 'Defaults:LOGIN-USER !requiretty' with visudo on the target.`;
  } else if (/not found/i.test(stderr) && code === 127) {
    hint = 'sudo is not installed on the target: install it or connect as the run-as user.';
  } else if (/unknown user/i.test(stderr)) {
    hint = `There is no user '${user}' on the target: fix run-as.`;
  }
  const detail = said ? `: ${said}` : code === null ? '' : ` (exit code ${code})`;
  return new TransportError('sudo', l.targetName, `run-as '${user}' through sudo failed${detail}`, hint);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
