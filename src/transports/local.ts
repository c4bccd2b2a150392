// The local transport: runs commands on this machine with /bin/sh, with the same wrapping,
// run-as, timeout and abort semantics as SSH (see posix/session.ts).
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import type { LocalConfig } from './local-options.js';
import { runPosix, type Launcher, type RawProcess } from './posix/session.js';
import type { RunAs } from './posix/wrap.js';
import {
  TransportError,
  wrongTransport,
  type Connection,
  type ConnectTarget,
  type ExecOptions,
  type ExecResult,
  type Transport,
} from './types.js';

export const localTransport: Transport = {
  name: 'local',
  async connect(target: ConnectTarget): Promise<Connection> {
    if (target.transport !== 'local') throw wrongTransport('local', target);
    return new LocalConnection(target.name, target.config);
  },
};

class LocalConnection implements Connection {
  readonly shell = 'posix' as const;
  private readonly launcher: Launcher;

  constructor(
    readonly targetName: string,
    config: LocalConfig,
  ) {
    const user = config['run-as'];
    const runAs: RunAs | undefined =
      user && user !== userInfo().username ? { user, password: config['sudo-password'] } : undefined;
    this.launcher = { targetName, runAs, launch: async (line) => launchLocal(targetName, line) };
  }

  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return runPosix(this.launcher, command, options);
  }

  async close(): Promise<void> {}
}

function launchLocal(targetName: string, line: string): RawProcess {
  // detached: the command leads a process group of its own, which the stopper can kill whole.
  const child = spawn('/bin/sh', ['-c', line], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.once('error', (err) =>
      reject(new TransportError('connect', targetName, `cannot start /bin/sh: ${err.message}`, 'Check that /bin/sh exists.')),
    );
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    done,
    abandon: () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
