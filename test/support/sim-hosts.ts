// A simulated PE 3.7 deployment for end-to-end tests: a master and N agents built by
// sim/build-host.sh, each its own "host": a private mount namespace in which the host's tree is
// bind-mounted over /etc/puppetlabs, /opt/puppet and /var/opt/lib, running its own sshd on
// 127.0.0.1 (a distinct port per host). Tasks over SSH so see PE's real default paths.
// Agents reach the master's CA through a shared "network" directory (see sim/lib/server.sh).
//
//   const sim = await startSimDeployment({ agents: 3 });   // beforeAll (root only, as CI)
//   const inventory = sim.inventoryYaml(path);               // Bolt inventory v2 for the hosts
//   const before = sim.snapshot(sim.master);                 // every PE file: owner, mode, sha256
//   sim.events(sim.master)                                   // service stop/start order, runs
//   await sim.stop();                                        // afterAll
//
// Needs root: the PE users (sim/create-users.sh), mount namespaces, and the empty mount points
// /etc/puppetlabs, /opt/puppet, /var/opt/lib, created on the real system when missing and left
// there empty (nothing is ever mounted on them outside a namespace).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SIM_DIR } from '../../src/tasks/bundle.js';
import type { TargetFor } from '../../src/transports/types.js';
import { sshTarget, startSshd, type Sshd } from './sshd.js';
import { execIn, sshdPidOf, writeHostsInventory, type CommandResult } from './test-hosts.js';

const run = promisify(execFile);

export const MOUNT_POINTS = ['/etc/puppetlabs', '/opt/puppet', '/var/opt/lib'] as const;
/** The PE directories a snapshot covers by default (host paths). */
export const PE_DIRS = ['/etc/puppetlabs', '/opt/puppet', '/var/opt/lib/pe-puppet'] as const;

export interface SimOptions {
  agents?: number;
  /** Domain of every certname: master.DOMAIN, agent1.DOMAIN, ... */
  domain?: string;
  /** The master's dns_alt_names (default puppet, puppet.DOMAIN). */
  dnsAltNames?: string[];
  /** RSA key size for every key (PE uses 4096; tests use 1024 for speed). */
  keyLength?: number;
  /** Puppet version `puppet --version` reports (for refusal tests). */
  puppetVersion?: string;
  autosign?: boolean;
}

export interface SimHost {
  role: 'master' | 'agent';
  /** The certname, also the inventory target name. */
  name: string;
  /** The host's tree on the real file system (what the namespace mounts). */
  root: string;
  sshd: Sshd;
  /** A ConnectTarget for the ssh transport, as root. */
  target: TargetFor<'ssh'>;
  /** Runs a command inside the host's namespace, locally (no SSH): for setup and assertions. */
  exec(command: string, stdin?: string): Promise<CommandResult>;
  /** Runs the host's fake puppet with these arguments (inside the host). */
  puppet(...args: string[]): Promise<CommandResult>;
  /** The real path of a host path, e.g. realPath('/etc/puppetlabs/puppet/ssl'). */
  realPath(hostPath: string): string;
  /** Makes the host unreachable: open sessions drop, new connections get no answer (they time out). */
  pause(): Promise<void>;
  /** Makes a paused host answer again. */
  resume(): void;
}

export type { CommandResult };

export interface SnapshotEntry {
  /** Host path, e.g. /etc/puppetlabs/puppet/ssl/ca/ca_crt.pem */
  path: string;
  type: 'dir' | 'file' | 'symlink';
  mode: string; // "0640"
  owner: string; // user name (or uid)
  group: string;
  size?: number;
  sha256?: string;
  target?: string;
}

export interface SimEvent {
  time: string;
  kind: string; // service | service-failed | agent-run | csr-submitted | csr-received | cert-fetched | catalog-compiled
  fields: string[];
}

/** One `puppet` process run on a host (sim/lib/common.sh sim_invocation). */
export interface SimInvocation {
  time: string;
  ms: number;
  exitCode: number;
  args: string[];
}

export interface SimDeployment {
  master: SimHost;
  agents: SimHost[];
  hosts: SimHost[];
  /** The shared "network" directory (hosts/NAME -> root). */
  network: string;
  dir: string;
  /** Known hosts for every sshd of the deployment. */
  knownHostsPath: string;
  /** Writes a Bolt inventory v2 (groups master and agents) to `file`; returns its text. */
  inventoryYaml(file: string): string;
  snapshot(host: SimHost, dirs?: readonly string[]): SnapshotEntry[];
  events(host: SimHost): SimEvent[];
  invocations(host: SimHost): SimInvocation[];
  stop(): Promise<void>;
}

export async function startSimDeployment(options: SimOptions = {}): Promise<SimDeployment> {
  const agentCount = options.agents ?? 3;
  const domain = options.domain ?? 'example.com';
  const altNames = options.dnsAltNames ?? ['puppet', `puppet.${domain}`];
  const keyLength = options.keyLength ?? 1024;
  await run('bash', [path.join(SIM_DIR, 'create-users.sh')]);
  for (const dir of MOUNT_POINTS) mkdirSync(dir, { recursive: true, mode: 0o755 });

  const dir = mkdtempSync(path.join(tmpdir(), 'regen-simdeploy-'));
  const network = path.join(dir, 'network');
  const build = async (role: 'master' | 'agent', name: string): Promise<string> => {
    const root = path.join(dir, name);
    const args = [path.join(SIM_DIR, 'build-host.sh'), root, '--role', role, '--certname', name,
      '--network', network, '--keylength', String(keyLength)];
    if (role === 'master') args.push('--dns-alt-names', altNames.join(','));
    else args.push('--master', `master.${domain}`);
    if (options.puppetVersion) args.push('--version', options.puppetVersion);
    if (options.autosign && role === 'master') args.push('--autosign');
    await run('bash', args, { maxBuffer: 16 * 1024 * 1024 }).catch((err) => {
      throw new Error(`sim: building ${role} ${name} failed: ${err.stderr ?? err.message}`);
    });
    return root;
  };

  const hosts: SimHost[] = [];
  try {
    const masterName = `master.${domain}`;
    hosts.push(await startHost('master', masterName, await build('master', masterName)));
    const agentNames = Array.from({ length: agentCount }, (_, i) => `agent${i + 1}.${domain}`);
    const roots = await Promise.all(agentNames.map((n) => build('agent', n)));
    for (let i = 0; i < agentNames.length; i++) hosts.push(await startHost('agent', agentNames[i], roots[i]));
  } catch (err) {
    await Promise.all(hosts.map((h) => h.sshd.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const knownHostsPath = path.join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, hosts.map((h) => readFileSync(h.sshd.knownHostsPath, 'utf8')).join(''), { mode: 0o600 });
  for (const h of hosts) h.target.config['known-hosts'] = knownHostsPath;

  return {
    master: hosts[0],
    agents: hosts.slice(1),
    hosts,
    network,
    dir,
    knownHostsPath,
    inventoryYaml: (file) => writeHostsInventory(file, { master: hosts.filter((h) => h.role === 'master'), agents: hosts.filter((h) => h.role === 'agent') }, knownHostsPath),
    snapshot,
    events,
    invocations: (host) => readInvocations(host.root),
    stop: async () => {
      for (const h of hosts) h.resume();
      await Promise.all(hosts.map((h) => h.sshd.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startHost(role: 'master' | 'agent', name: string, root: string): Promise<SimHost> {
  const sshd = await startSshd({
    prefix: ['unshare', '--mount', '--propagation', 'private', path.join(SIM_DIR, 'enter-host.sh'), root],
  });
  const sshdPid = () => sshdPidOf(sshd);
  const exec = (command: string, stdin?: string) => execIn(sshdPid(), ['mount'], command, stdin);
  return {
    role,
    name,
    root,
    sshd,
    target: sshTarget(sshd, {}, name),
    exec,
    puppet: (...args) => exec(['/opt/puppet/bin/puppet', ...args].map(shellQuote).join(' ')),
    realPath: (hostPath) => path.join(root, hostPath),
    pause: async () => {
      process.kill(sshdPid(), 'SIGSTOP');
      await sshd.killSessions();
    },
    resume: () => process.kill(sshdPid(), 'SIGCONT'),
  };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const names = (file: string) => {
  const map = new Map<number, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id) map.set(Number(id), name);
  }
  return map;
};

/** Every file and directory under the host's PE dirs, sorted, with owner, mode and content hash. */
export function snapshot(host: SimHost, dirs: readonly string[] = PE_DIRS): SnapshotEntry[] {
  const users = names('/etc/passwd');
  const groups = names('/etc/group');
  const out: SnapshotEntry[] = [];
  const walk = (hostPath: string) => {
    const real = path.join(host.root, hostPath);
    if (!existsSync(real)) return;
    const st = lstatSync(real);
    const entry: SnapshotEntry = {
      path: hostPath,
      type: st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file',
      mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
      owner: users.get(st.uid) ?? String(st.uid),
      group: groups.get(st.gid) ?? String(st.gid),
    };
    if (entry.type === 'symlink') entry.target = readlinkSync(real);
    else if (entry.type === 'file') {
      const data = readFileSync(real);
      entry.size = data.length;
      entry.sha256 = createHash('sha256').update(data).digest('hex');
    }
    out.push(entry);
    if (entry.type === 'dir') for (const e of readdirSync(real).sort()) walk(path.posix.join(hostPath, e));
  };
  for (const d of dirs) walk(d);
  return out;
}

/** The host's event log (sim/lib/common.sh sim_event), oldest first. */
export function events(host: SimHost): SimEvent[] {
  const file = path.join(host.root, 'var/opt/lib/pe-sim/events.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [time, kind, ...fields] = line.split('\t');
      return { time, kind, fields };
    });
}

/** Every `puppet` process run on the host under ROOT since it was built, oldest first. */
export function readInvocations(root: string): SimInvocation[] {
  const file = path.join(root, 'var/opt/lib/pe-sim/invocations.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [time, ms, exitCode, ...args] = line.split('\t');
      return { time, ms: Number(ms), exitCode: Number(exitCode), args };
    });
}
