// A mixed simulated PE 3.7 deployment for the end-to-end tests: a master and Linux agents (each a
// mount namespace with its own sshd, test/support/sim-hosts.ts) plus Windows agents (each behind
// its own WS-Management test server, NTLM over HTTP, test/support/windows-agent-sim.ts), all
// enrolled with the one master through the deployment's network directory; and its Bolt inventory.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startSimDeployment, type SimDeployment, type SimHost } from '../support/sim-hosts.js';
import { startSimWindowsAgent, type SimWindowsAgent, type WindowsAgentOptions } from '../support/windows-agent-sim.js';
import { HOST_BACKUP_DIR } from './helpers.js';

export const SSL = '/etc/puppetlabs/puppet/ssl';
export const WIN_SSLDIR = 'C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl';
export const WIN_USER = 'Administrator';

export interface WindowsSpec extends Omit<WindowsAgentOptions, 'root'> {
  certname: string;
  /** Inventory alias, e.g. win1. */
  alias: string;
  /** The WinRM password of the Administrator account (each agent its own). */
  password: string;
}

export interface WindowsNode {
  name: string;
  alias: string;
  password: string;
  sim: SimWindowsAgent;
  /** The real file behind a Windows path on this agent. */
  file(win: string): string;
  certFile(): string;
  keyFile(): string;
}

export interface MixedSite {
  sim: SimDeployment;
  windows: WindowsNode[];
  /** Writes the inventory (groups master, agents: linux_agents, windows_agents) to `file`. */
  writeInventory(file: string): string;
  stop(): Promise<void>;
}

export async function startMixedSite(opts: { linuxAgents: number; windows: WindowsSpec[] }): Promise<MixedSite> {
  const sim = await startSimDeployment({ agents: opts.linuxAgents, keyLength: 1024 });
  const winDir = mkdtempSync(path.join(tmpdir(), 'regen-e2e-win-'));
  const windows: WindowsNode[] = [];
  try {
    for (const spec of opts.windows) {
      const { certname, alias, password, ...agentOptions } = spec;
      const agent = await startSimWindowsAgent({
        network: sim.network,
        master: sim.master.name,
        certname,
        dir: winDir,
        keyLength: 1024,
        users: { [WIN_USER]: password },
        ...agentOptions,
      });
      const file = (win: string) => agent.agent.disk.toHost(win);
      windows.push({
        name: certname,
        alias,
        password,
        sim: agent,
        file,
        certFile: () => file(`${WIN_SSLDIR}\\certs\\${certname}.pem`),
        keyFile: () => file(`${WIN_SSLDIR}\\private_keys\\${certname}.pem`),
      });
    }
  } catch (err) {
    for (const w of windows) await w.sim.stop();
    await sim.stop();
    rmSync(winDir, { recursive: true, force: true });
    throw err;
  }
  return {
    sim,
    windows,
    writeInventory: (file) => writeMixedInventory(file, sim, windows),
    stop: async () => {
      for (const w of windows) await w.sim.stop();
      await sim.stop();
      rmSync(winDir, { recursive: true, force: true });
    },
  };
}

function writeMixedInventory(file: string, sim: SimDeployment, windows: WindowsNode[]): string {
  const ssh = (h: SimHost) => ({
    name: h.name,
    uri: `ssh://${h.sshd.host}:${h.sshd.port}`,
    config: { ssh: { 'private-key': h.sshd.privateKeyPath } },
  });
  // Backups stay inside each Linux host's private /var/opt/lib (see HOST_BACKUP_DIR in helpers.ts);
  // the Windows agents keep the Windows default under C:\ProgramData\PuppetLabs.
  const linuxVars = { profile_overrides: { backup_dir: HOST_BACKUP_DIR } };
  const inventory = {
    version: 2,
    config: { transport: 'ssh', ssh: { user: 'root', 'host-key-check': true, 'known-hosts': sim.knownHostsPath, 'connect-timeout': 5 } },
    groups: [
      { name: 'master', targets: [ssh(sim.master)], vars: linuxVars },
      {
        name: 'agents',
        groups: [
          { name: 'linux_agents', targets: sim.agents.map(ssh), vars: linuxVars },
          {
            name: 'windows_agents',
            config: { transport: 'winrm', winrm: { user: WIN_USER, ssl: false, auth: 'ntlm', 'connect-timeout': 5 } },
            targets: windows.map((w) => ({
              name: w.name,
              alias: w.alias,
              uri: `winrm://${w.sim.server.host}:${w.sim.server.port}`,
              config: { winrm: { password: w.password } },
            })),
          },
        ],
      },
    ],
  };
  writeFileSync(file, stringify(inventory));
  return file;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The files under `dir` whose bytes contain any of the needles (as UTF-8). */
export function filesContaining(dir: string, needles: string[]): string[] {
  const bufs = needles.map((n) => Buffer.from(n, 'utf8'));
  return filesUnder(dir).filter((f) => statSync(f).size > 0 && bufs.some((b) => readFileSync(f).includes(b)));
}

/** The forms a secret could be written in: as is, JSON-escaped, and its longest run of plain characters. */
export function secretForms(secret: string): string[] {
  const plain = secret.split(/[^A-Za-z0-9]+/).sort((a, b) => b.length - a.length)[0];
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), plain])];
}
