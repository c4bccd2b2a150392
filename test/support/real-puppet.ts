// A real Puppet 7 site for end-to-end tests: Debian's puppetserver and puppet-agent, a server and N
// agents, each its own "host": a mount + UTS namespace in which real-puppet/build-host.sh's tree is
// bind-mounted over /etc/puppet, /var/lib/puppet, /var/cache/puppet (and the server's dirs), with a
// private /etc/hosts, SysV init scripts for `puppet resource service`, and its own sshd on 127.0.0.1.
// The server listens on its private loopback address 127.0.80.1:8140; agents reach it by name.
//
//   const site = await startRealPuppetSite({ agents: 3 });   // beforeAll: CA, server started, agents enrolled
//   site.inventoryYaml(file);                                  // Bolt inventory v2, every host profile puppet7
//   await site.server.exec('puppetserver ca list --all');      // a command inside a host
//   await site.stop();                                         // afterAll: every process of every host killed
//
// Enrolment is the real one: `puppetserver ca setup`, `puppet ssl submit_request` on each agent, one
// `puppetserver ca sign --certname a,b,c`, then `puppet agent -t` (0 or 2). Autosigning is off.
// Needs root and the packages test/support/install-test-deps.sh installs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSshd, sshTarget, type Sshd } from './sshd.js';
import { execIn, sshdPidOf, writeHostsInventory, type CommandResult } from './test-hosts.js';
import type { TargetFor } from '../../src/transports/types.js';

const run = promisify(execFile);
const HERE = path.join(path.dirname(new URL(import.meta.url).pathname), 'real-puppet');

export const SERVER_IP = '127.0.80.1';
export const CADIR = '/etc/puppet/puppetserver/ca';
export const SSLDIR = '/var/lib/puppet/ssl';

export type { CommandResult };

export interface RealPuppetHost {
  role: 'server' | 'agent';
  /** The certname, also the inventory target name. */
  name: string;
  /** The host's tree on the real file system (what the namespace mounts). */
  root: string;
  sshd: Sshd;
  target: TargetFor<'ssh'>;
  /** Runs a shell command inside the host's namespaces, locally (no SSH). */
  exec(command: string): Promise<CommandResult>;
  /** The real path of a host path, e.g. realPath('/var/lib/puppet/ssl/certs/ca.pem'). */
  realPath(hostPath: string): string;
}

export interface RealPuppetSite {
  server: RealPuppetHost;
  agents: RealPuppetHost[];
  hosts: RealPuppetHost[];
  domain: string;
  /** The server's dns_alt_names at the start. */
  altNames: string[];
  knownHostsPath: string;
  /** Seconds: the server's first start, the agents' enrolment. */
  timings: { serverStart: number; enrol: number };
  /** Writes a Bolt inventory v2 (groups master and agents, var profile: puppet7) to `file`. */
  inventoryYaml(file: string): string;
  stop(): Promise<void>;
}

export async function startRealPuppetSite(options: { agents?: number; domain?: string } = {}): Promise<RealPuppetSite> {
  const domain = options.domain ?? 'regen.test';
  const serverName = `puppet.${domain}`;
  const altNames = ['puppet', serverName];
  const dir = mkdtempSync(path.join(tmpdir(), 'regen-realpuppet-'));
  const hosts: RealPuppetHost[] = [];
  const build = (role: 'server' | 'agent', name: string) => {
    const root = path.join(dir, name);
    const args = [path.join(HERE, 'build-host.sh'), root, '--role', role, '--certname', name, '--server-ip', SERVER_IP,
      '--server-names', `${serverName},puppet`, ...(role === 'server' ? ['--dns-alt-names', altNames.join(',')] : [])];
    return run('bash', args).then(() => root, (err) => {
      throw new Error(`real-puppet: building ${role} ${name} failed: ${err.stderr ?? err.message}`);
    });
  };
  const stop = async () => {
    for (const h of hosts) await killNamespace(h);
    await Promise.all(hosts.map((h) => h.sshd.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    hosts.push(await startHost('server', serverName, await build('server', serverName)));
    const agentNames = Array.from({ length: options.agents ?? 3 }, (_, i) => `agent${i + 1}.${domain}`);
    for (const name of agentNames) hosts.push(await startHost('agent', name, await build('agent', name)));
    const [server, ...agents] = hosts;

    const started = Date.now();
    await must(server, `puppetserver ca setup --certname ${serverName} --subject-alt-names ${altNames.join(',')}`);
    // Run as root, setup gives its files to pe-puppet where that user exists (the simulator creates it).
    await must(server, `chown -R puppet:puppet ${CADIR} ${SSLDIR}`);
    await must(server, 'puppet resource service puppetserver ensure=running');
    await must(server, `curl -sS --fail --cacert ${SSLDIR}/certs/ca.pem https://${serverName}:8140/status/v1/simple`);
    const serverStart = (Date.now() - started) / 1000;

    const enrolling = Date.now();
    await Promise.all(agents.map((a) => must(a, 'puppet ssl submit_request')));
    await must(server, `puppetserver ca sign --certname ${agents.map((a) => a.name).join(',')}`);
    await must(server, 'puppet agent -t --detailed-exitcodes', [0, 2]);
    await Promise.all(agents.map((a) => must(a, 'puppet agent -t --detailed-exitcodes', [0, 2])));
    const enrol = (Date.now() - enrolling) / 1000;

    const knownHostsPath = path.join(dir, 'known_hosts');
    writeFileSync(knownHostsPath, hosts.map((h) => readFileSync(h.sshd.knownHostsPath, 'utf8')).join(''), { mode: 0o600 });
    for (const h of hosts) h.target.config['known-hosts'] = knownHostsPath;
    return {
      server, agents, hosts, domain, altNames, knownHostsPath, timings: { serverStart, enrol },
      inventoryYaml: (file) => writeHostsInventory(file, { master: [server], agents }, knownHostsPath, { profile: 'puppet7' }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startHost(role: 'server' | 'agent', name: string, root: string): Promise<RealPuppetHost> {
  const sshd = await startSshd({
    prefix: ['unshare', '--mount', '--uts', '--propagation', 'private', 'bash', path.join(HERE, 'enter-host.sh'), root, name],
  });
  const sshdPid = () => sshdPidOf(sshd);
  return {
    role,
    name,
    root,
    sshd,
    target: sshTarget(sshd, {}, name),
    exec: (command) => execIn(sshdPid(), ['mount', 'uts'], command),
    realPath: (hostPath) => path.join(root, hostPath),
  };
}

/** Runs COMMAND in HOST; fails naming the host, the command and its output unless it exits with one of `ok`. */
async function must(host: RealPuppetHost, command: string, ok: number[] = [0]): Promise<string> {
  const r = await host.exec(command);
  if (!ok.includes(r.exitCode ?? -1)) {
    throw new Error(`real-puppet: on ${host.name}, '${command}' exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** Kills every process in the host's mount namespace: the JVM, agent runs a daemon left, sshd. */
async function killNamespace(host: RealPuppetHost): Promise<void> {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${sshdPidOf(host.sshd)}/ns/mnt`);
  } catch {
    return;
  }
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/ns/mnt`) === ns;
    } catch {
      return false;
    }
  });
  for (const p of pids) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
