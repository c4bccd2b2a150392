// Runs the bundle's POSIX tasks for real: the task runner's invocation builder over the SSH transport
// against a real OpenSSH sshd on loopback, as root. Also snapshots directory trees so tests can check
// that a refused or no-op run changed nothing, and lays out simulated PE 3.7 hosts (sim/).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SIM_DIR, TASKS_DIR } from '../../../src/tasks/bundle.js';
import { buildInvocation } from '../../../src/tasks/invocation.js';
import { resolveImplementation } from '../../../src/tasks/load.js';
import { withDefaults, type Params } from '../../../src/tasks/parameters.js';
import { profileTaskParameters } from '../../../src/profiles/index.js';
import type { Task } from '../../../src/tasks/types.js';
import { sshTransport } from '../../../src/transports/ssh/index.js';
import type { Connection } from '../../../src/transports/types.js';
import { sshTarget, startSshd, type Sshd } from '../../support/sshd.js';

export interface TaskRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON object every task prints. */
  value: Record<string, any>;
}

export class TaskHarness {
  private constructor(
    private readonly sshd: Sshd,
    private readonly connection: Connection,
  ) {}

  static async start(): Promise<TaskHarness> {
    const sshd = await startSshd();
    const connection = await sshTransport.connect(sshTarget(sshd));
    return new TaskHarness(sshd, connection);
  }

  /** Runs a task as `regen task run` does: the default profile's values and the metadata's defaults filled in, through sh -s. */
  async run(name: string, params: Params = {}, options: { noop?: boolean } = {}): Promise<TaskRun> {
    // Read this task's metadata alone (metadata.test.ts validates the whole bundle with the loader).
    const metadataPath = path.join(TASKS_DIR, `${name}.json`);
    const task: Task = { name, metadataPath, metadata: JSON.parse(readFileSync(metadataPath, 'utf8')) };
    const impl = resolveImplementation(task, 'posix');
    const invocation = buildInvocation(impl, withDefaults(task, { ...profileTaskParameters(task, undefined, params), ...params }), { dryRun: options.noop });
    const result = await this.connection.exec(invocation.command, { stdin: invocation.stdin, timeoutMs: 120_000 });
    let value: Record<string, any>;
    try {
      value = JSON.parse(result.stdout);
    } catch {
      throw new Error(`task ${name} printed no JSON object (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, value };
  }

  /** Runs a task that must succeed and returns its result object. */
  async ok(name: string, params: Params = {}, options: { noop?: boolean } = {}): Promise<Record<string, any>> {
    const run = await this.run(name, params, options);
    if (run.exitCode !== 0 || run.value._error) {
      throw new Error(`task ${name} failed (exit ${run.exitCode}): ${run.stdout}${run.stderr}`);
    }
    return run.value;
  }

  /** Runs a task that must fail and returns its _error object. */
  async error(name: string, params: Params = {}, options: { noop?: boolean } = {}): Promise<{ kind: string; msg: string; details: any }> {
    const run = await this.run(name, params, options);
    if (run.exitCode === 0 || !run.value._error) throw new Error(`task ${name} should have failed: ${run.stdout}`);
    return run.value._error;
  }

  async stop(): Promise<void> {
    await this.connection.close();
    await this.sshd.stop();
  }
}

/** Every entry under `root` (root included) with type, mode, owner, size and content hash, sorted. */
export function snapshot(root: string): string[] {
  const lines: string[] = [];
  const walk = (p: string) => {
    // The simulator's own record of the puppet processes it ran is not host state.
    if (p.endsWith('/pe-sim/invocations.log')) return;
    const st = lstatSync(p);
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    let what = 'd';
    if (st.isSymbolicLink()) what = `l ${readlinkSync(p)}`;
    else if (st.isFile()) what = `f ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    lines.push(`${p} ${mode} ${st.uid}:${st.gid} ${what}`);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(path.join(p, e));
  };
  walk(root);
  return lines;
}

export function tempTree(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `regen-${prefix}-`));
}

/** Stat of a path as "mode uid:gid", e.g. "0400 0:0". */
export function statOf(p: string): string {
  const st = lstatSync(p);
  return `${(st.mode & 0o7777).toString(8).padStart(4, '0')} ${st.uid}:${st.gid}`;
}

/** The uid and gid of a user name. */
export function ids(user: string): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()),
  };
}

/**
 * A simulated PE 3.7 master under a temp root (sim/build-host.sh, with PE's users), built once per test
 * file; `copy()` gives a test its own host to change.
 */
export class SimMaster {
  readonly certname = 'master.example.com';
  readonly altNames = 'puppet,puppet.example.com';
  private constructor(readonly root: string) {}

  static build(): SimMaster {
    execFileSync('bash', [path.join(SIM_DIR, 'create-users.sh')], { stdio: 'ignore' });
    const root = path.join(tempTree('sim'), 'host');
    const master = new SimMaster(root);
    execFileSync('bash', [path.join(SIM_DIR, 'build-host.sh'), root, '--role', 'master', '--certname', master.certname,
      '--dns-alt-names', master.altNames, '--keylength', '1024'], { stdio: 'ignore' });
    return master;
  }

  copy(): SimMaster {
    const root = path.join(tempTree('sim'), 'host');
    execFileSync('cp', ['-a', this.root, root]); // keeps owners and modes
    return new SimMaster(root);
  }

  get puppet(): string {
    return path.join(this.root, 'opt/puppet/bin/puppet');
  }

  get ssldir(): string {
    return path.join(this.root, 'etc/puppetlabs/puppet/ssl');
  }

  remove(): void {
    rmSync(path.dirname(this.root), { recursive: true, force: true });
  }
}

/** The regen/files libraries a task script sources: its `for file in A B; do . "$lib/$file.sh"; done` line. */
export function sourcedLibraries(script: string): string[] {
  const words = /^for file in ([a-z ]+); do \. "\$lib\/\$file\.sh"; done$/m.exec(script)?.[1] ?? '';
  return words.split(' ').filter(Boolean).map((name) => `regen/files/${name}.sh`);
}
