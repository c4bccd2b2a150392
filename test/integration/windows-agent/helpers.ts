// A simulated PE 3.7 site for the Windows tasks: a master and Windows agents built by
// sim/build-host.sh, each agent behind its own WS-Management test server, reached through
// regen's WinRM transport, with tasks invoked exactly as the runner invokes them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Target, TargetConfig } from '../../../src/inventory/types.js';
import { profileTaskParameters } from '../../../src/profiles/index.js';
import { SIM_DIR } from '../../../src/tasks/bundle.js';
import { buildInvocation } from '../../../src/tasks/invocation.js';
import { loadTasks, resolveImplementation } from '../../../src/tasks/load.js';
import { withDefaults } from '../../../src/tasks/parameters.js';
import type { ResolvedImplementation, Task } from '../../../src/tasks/types.js';
import type { Connection } from '../../../src/transports/types.js';
import { createWinrmTransport } from '../../../src/transports/winrm/index.js';
import { startSimWindowsAgent, type WindowsAgent, type WindowsAgentOptions } from '../../support/windows-agent-sim.js';
import type { WsmanServer } from '../../support/wsman-server/index.js';

export const MASTER = 'master.example.com';

export class Site {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'regen-win-'));
  readonly network = path.join(this.dir, 'network');
  readonly masterRoot = path.join(this.dir, 'master');
  private readonly servers: WsmanServer[] = [];
  private readonly connections: Connection[] = [];

  constructor() {
    execFileSync('bash', [path.join(SIM_DIR, 'create-users.sh')], { stdio: 'ignore' });
    this.build(this.masterRoot, ['--role', 'master', '--certname', MASTER, '--dns-alt-names', 'puppet,puppet.example.com']);
  }

  private build(root: string, args: string[]): void {
    execFileSync('bash', [path.join(SIM_DIR, 'build-host.sh'), root, ...args, '--network', this.network, '--keylength', '1024'], {
      stdio: 'pipe',
    });
  }

  /** The master's own fake puppet (for `puppet cert sign` and friends). */
  master(...args: string[]): string {
    return execFileSync(path.join(this.masterRoot, 'opt/puppet/bin/puppet'), args, { encoding: 'utf8' });
  }

  async agent(certname: string, options: Omit<WindowsAgentOptions, 'root'> = {}): Promise<WindowsHost> {
    const sim = await startSimWindowsAgent({ network: this.network, master: MASTER, certname, dir: this.dir, ...options });
    const conn = await createWinrmTransport().connect(sim.target);
    this.servers.push(sim.server);
    this.connections.push(conn);
    return new WindowsHost(sim.agent, sim.server, conn);
  }

  async close(): Promise<void> {
    for (const c of this.connections) await c.close();
    for (const s of this.servers) await s.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface TaskRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The one JSON object the task printed. */
  out: Record<string, any>;
}

let tasks: Map<string, Task> | undefined;

/** The task's PowerShell implementation, resolved from its metadata as the runner does. */
export function windowsImplementation(name: string): ResolvedImplementation {
  tasks ??= loadTasks();
  const task = tasks.get(name);
  if (!task) throw new Error(`no task ${name}`);
  return resolveImplementation(task, 'powershell');
}

/** An inventory target on WinRM with the default profile, for the profile's task parameters. */
const WINRM_TARGET: Target = {
  name: 'win.example.com', host: 'win.example.com', alias: [], vars: {}, facts: {}, groups: ['all'],
  config: { transport: 'winrm' } as TargetConfig,
};

export class WindowsHost {
  constructor(
    readonly agent: WindowsAgent,
    readonly server: WsmanServer,
    readonly conn: Connection,
  ) {}

  /**
   * Runs a task through the WinRM transport as `regen task run` does: the values the profile owns come
   * from its windows: section (a WinRM target's), then the metadata defaults.
   */
  async run(name: string, params: Record<string, unknown> = {}, noop = false, impl?: ResolvedImplementation): Promise<TaskRun> {
    const resolved = impl ?? windowsImplementation(name);
    return this.runExactly(resolved, { ...profileTaskParameters(resolved.task, WINRM_TARGET, params), ...params }, noop);
  }

  /** Runs a task with only the given parameters and the metadata defaults: no profile value. */
  async runExactly(resolved: ResolvedImplementation, params: Record<string, unknown>, noop = false): Promise<TaskRun> {
    const inv = buildInvocation(resolved, withDefaults(resolved.task, params), { dryRun: noop });
    const res = await this.conn.exec(inv.command, { stdin: inv.stdin });
    let out: Record<string, any>;
    try {
      out = JSON.parse(res.stdout);
    } catch {
      throw new Error(`task ${resolved.task.name} printed no JSON (exit ${res.exitCode}): ${res.stdout}${res.stderr}`);
    }
    return { exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr, out };
  }

  /** The agent's file for a Windows path. */
  file(win: string): string {
    return this.agent.disk.toHost(win);
  }
}

export const SSLDIR = 'C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl';
export const CLIENT_DATADIR = 'C:\\ProgramData\\PuppetLabs\\puppet\\var\\client_data';
