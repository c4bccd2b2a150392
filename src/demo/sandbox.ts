// The embedded default: a simulated PE 3.7 site (a monolithic master and a few agents) built in a
// sandbox directory with the simulator of sim/, and an inventory that reaches every host through
// the local transport with its PE paths pointed into the sandbox. No root, no SSH.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { SIM_DIR } from '../tasks/bundle.js';

const run = promisify(execFile);

export interface SandboxHost {
  name: string;
  role: 'master' | 'agent';
  root: string;
}

export interface Sandbox {
  dir: string;
  inventoryPath: string;
  stateDir: string;
  master: SandboxHost;
  agents: SandboxHost[];
}

export interface SandboxOptions {
  dir: string;
  agents: number;
  /** RSA key size for the simulated certificates: small keys keep the demo quick. */
  keylength?: number;
  onProgress?: (text: string) => void;
}

/** Files in the sandbox belong to whoever runs the demo, even root: the simulator must not chown to PE users. */
const SIM_ENV = { ...process.env, REGEN_SIM_OWNERS: 'none' };

/** The simulator and the POSIX tasks need these on the machine running the demo. */
const NEEDED = [
  { command: 'openssl', args: ['version'], pkg: 'openssl' },
  { command: 'bash', args: ['--version'], pkg: 'bash' },
  { command: 'tar', args: ['--version'], pkg: 'tar' },
  { command: 'awk', args: ['BEGIN { exit 0 }'], pkg: 'gawk' },
];

/** Says which Debian packages to install when a tool the demo needs is missing. */
export async function checkPrerequisites(): Promise<void> {
  const missing: string[] = [];
  for (const tool of NEEDED) {
    try {
      await run(tool.command, tool.args);
    } catch {
      missing.push(tool.pkg);
    }
  }
  if (missing.length > 0) {
    throw new Error(`regen demo needs ${missing.join(', ')} on this machine: install with  sudo apt-get install -y ${missing.join(' ')}`);
  }
}

export async function buildSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = path.resolve(options.dir);
  const network = path.join(dir, 'network');
  mkdirSync(network, { recursive: true });
  const master: SandboxHost = { name: 'master.demo.lan', role: 'master', root: path.join(dir, 'hosts', 'master.demo.lan') };
  const agents: SandboxHost[] = Array.from({ length: options.agents }, (_, i) => {
    const name = `agent${i + 1}.demo.lan`;
    return { name, role: 'agent', root: path.join(dir, 'hosts', name) };
  });
  const common = ['--network', network, ...(options.keylength ? ['--keylength', String(options.keylength)] : [])];
  options.onProgress?.(`building the master ${master.name}`);
  await buildHost(master, [...common, '--dns-alt-names', 'puppet,puppet.demo.lan']);
  for (const agent of agents) {
    options.onProgress?.(`building the agent ${agent.name}`);
    await buildHost(agent, [...common, '--master', master.name]);
  }
  const inventoryPath = path.join(dir, 'inventory.yaml');
  writeFileSync(inventoryPath, inventoryYaml(master, agents));
  return { dir, inventoryPath, stateDir: path.join(dir, '.regen'), master, agents };
}

async function buildHost(host: SandboxHost, args: string[]): Promise<void> {
  try {
    await run('bash', [path.join(SIM_DIR, 'build-host.sh'), host.root, '--role', host.role, '--certname', host.name, ...args], { env: SIM_ENV });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`could not build the simulated ${host.role} ${host.name} in ${host.root}: ${err.stderr?.trim() || err.message}`);
  }
}

/** A Bolt inventory whose per-host `profile_overrides` move every PE path under that host's sandbox root. */
export function inventoryYaml(master: SandboxHost, agents: SandboxHost[]): string {
  const user = os.userInfo().username;
  const group = groupName();
  const hostVars = (h: SandboxHost) => {
    const r = (p: string) => path.join(h.root, p);
    const owned = (p: string) => ({ path: r(p), owner: user, group });
    return {
      profile_overrides: {
        puppet: r('opt/puppet/bin/puppet'),
        confdir: r('etc/puppetlabs/puppet'),
        ssldir: r('etc/puppetlabs/puppet/ssl'),
        client_datadir: r('var/opt/lib/pe-puppet/client_data'),
        backup_dir: r('var/opt/lib/regen/backups'),
        allowed_roots: [h.root],
        require_root: false,
        dirs: {
          ssl: owned('etc/puppetlabs/puppet/ssl'),
          puppetdb: owned('etc/puppetlabs/puppetdb/ssl'),
          pgsql: owned('opt/puppet/var/lib/pgsql/9.2/data/certs'),
          console_services: owned('opt/puppet/share/console-services/certs'),
          dashboard: owned('opt/puppet/share/puppet-dashboard/certs'),
        },
      },
    };
  };
  const target = (h: SandboxHost) => ({ name: h.name, config: { transport: 'local' }, vars: hostVars(h) });
  const inventory = {
    version: 2,
    groups: [
      { name: 'master', targets: [target(master)] },
      { name: 'agents', targets: agents.map(target) },
    ],
  };
  return `# A simulated PE 3.7 site built by \`regen demo\`: every host is a directory of this sandbox,\n# reached through the local transport; vars.profile_overrides points each host's PE paths into its directory.\n${stringify(inventory)}`;
}

function groupName(): string {
  const gid = String(os.userInfo().gid);
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === gid);
  return line?.split(':')[0] ?? gid;
}
