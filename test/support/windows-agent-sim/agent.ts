// One simulated Windows agent: a host laid out by sim/build-host.sh (its fake puppet, its
// puppet.conf, its services and its ssl dir), seen through Windows paths, plus what only
// Windows has: elevation, the service control manager's StopPending state, process ids.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WindowsDisk } from './paths.js';

export const PUPPET_BAT = 'C:\\Program Files\\Puppet Labs\\Puppet Enterprise\\bin\\puppet.bat';

export interface WindowsAgentOptions {
  /** The host root made by `sim/build-host.sh ROOT --role agent ...`. */
  root: string;
  /** Whether the WinRM user holds an elevated administrator token (default true). */
  elevated?: boolean;
  /** DOMAIN\user the tasks run as (default WIN-AGENT\Administrator). */
  user?: string;
  /** Services whose stop never completes (StopPending) until their process is ended. */
  stopHangs?: string[];
  /** Win32_OperatingSystem Caption and Version. */
  os?: { caption: string; version: string };
}

export interface PuppetRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SimCall {
  task: string;
  params: Record<string, unknown>;
  noop: boolean;
  exitCode: number;
  output: unknown;
}

export class WindowsAgent {
  readonly disk: WindowsDisk;
  elevated: boolean;
  user: string;
  stopHangs: Set<string>;
  readonly os: { caption: string; version: string };
  /** Services the SCM reports as StopPending: asked to stop, process still alive. */
  readonly hung = new Set<string>();
  /** Every task this agent ran, in order. */
  readonly calls: SimCall[] = [];

  constructor(readonly options: WindowsAgentOptions) {
    if (!existsSync(path.join(options.root, 'opt/puppet/bin/puppet'))) {
      throw new Error(`${options.root} is not a simulated host: build it with sim/build-host.sh first`);
    }
    this.disk = new WindowsDisk(options.root);
    this.elevated = options.elevated ?? true;
    this.user = options.user ?? 'WIN-AGENT\\Administrator';
    this.stopHangs = new Set(options.stopHangs ?? []);
    this.os = options.os ?? { caption: 'Microsoft Windows Server 2008 R2 Standard', version: '6.1.7601' };
  }

  get hostname(): string {
    const conf = readFileSync(path.join(this.options.root, 'var/opt/lib/pe-sim/sim.conf'), 'utf8');
    return (/^fqdn=(.*)$/m.exec(conf)?.[1] ?? 'win-agent').split('.')[0];
  }

  /** puppet.bat, as the fake puppet CLI of this host. */
  puppet(args: string[], signal?: AbortSignal): Promise<PuppetRun> {
    const bin = path.join(this.options.root, 'opt/puppet/bin/puppet');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' };
    return new Promise((resolve, reject) => {
      execFile(bin, args, { env, signal, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        const code = err ? (err as NodeJS.ErrnoException & { code?: unknown }).code : 0;
        if (err && typeof code !== 'number') return reject(err);
        resolve({ exitCode: code as number, stdout, stderr });
      });
    });
  }

  private serviceFile(name: string): string {
    return path.join(this.options.root, 'var/opt/lib/pe-sim/services', name);
  }

  /** Get-Service: null when no such service, else running, stopped or stoppending. */
  serviceState(name: string): string | null {
    if (!existsSync(this.serviceFile(name))) return null;
    if (this.hung.has(name)) return 'stoppending';
    return readFileSync(this.serviceFile(name), 'utf8').split('\n')[0].trim();
  }

  /** Win32_Service ProcessId and StartMode. */
  serviceInfo(name: string): { pid: number; start_mode: string | null } {
    const state = this.serviceState(name);
    if (state === null) return { pid: 0, start_mode: null };
    const enabled = /enable=true/.test(readFileSync(this.serviceFile(name), 'utf8'));
    const pid = state === 'stopped' ? 0 : 1000 + [...name].reduce((a, c) => a + c.charCodeAt(0), 0);
    return { pid, start_mode: enabled ? 'Auto' : 'Manual' };
  }

  /** The SCM changing a service, through the fake `puppet resource service` of this host. */
  async setService(name: string, ensure: 'running' | 'stopped', signal?: AbortSignal): Promise<void> {
    const run = await this.puppet(['resource', 'service', name, `ensure=${ensure}`], signal);
    if (run.exitCode !== 0) throw new Error(`puppet resource service ${name} failed: ${run.stderr}`);
  }
}
