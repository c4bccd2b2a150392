// A real OpenSSH sshd on 127.0.0.1 for integration and end-to-end tests (needs root, as CI has).
//
//   const sshd = await startSshd();            // in beforeAll
//   const target = sshTarget(sshd);            // a ConnectTarget for the ssh transport, as root
//   ...
//   await sshd.stop();                         // in afterAll
//
// Each sshd gets a temp dir with a fresh ed25519 host key, a client key (authorized for every
// user, through AuthorizedKeysFile) and a known_hosts file holding the correct host key under
// `[127.0.0.1]:PORT`. Password logins are allowed (see createTestUser).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SshConfig } from '../../src/transports/options.js';
import type { TargetFor } from '../../src/transports/types.js';

const run = promisify(execFile);

export interface SshdOptions {
  /** sshd's MaxSessions (channels per connection). Default 10, OpenSSH's own default. */
  maxSessions?: number;
  /** More sshd_config lines. */
  extraConfig?: string[];
  /** Command prefix sshd runs through (e.g. a mount-namespace entry script); it must exec sshd. */
  prefix?: string[];
}

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  user: 'root';
  /** The client key, authorized for every user of this sshd. */
  privateKeyPath: string;
  /** A known_hosts file with this sshd's host key as `[127.0.0.1]:PORT ssh-ed25519 ...`. */
  knownHostsPath: string;
  /** The host's private key (its .pub is beside it). */
  hostKeyPath: string;
  /** The temp dir holding all of the above and sshd.log. */
  dir: string;
  /** Kills the per-connection sshd processes (every open SSH connection drops); the listener stays. */
  killSessions(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'regen-sshd-'));
  chmodSync(dir, 0o755); // sshd reads AuthorizedKeysFile as the logging-in user
  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  const privateKeyPath = join(dir, 'client_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'regen-test-host', '-f', hostKeyPath]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'regen-test-client', '-f', privateKeyPath]);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${privateKeyPath}.pub`), { mode: 0o644 });

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(config, [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys} .ssh/authorized_keys`,
      'PermitRootLogin yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'StrictModes no',
      'UsePAM no',
      'UseDNS no',
      `MaxSessions ${options.maxSessions ?? 10}`,
      'MaxStartups 100:30:200',
      'LogLevel INFO',
      'Subsystem sftp internal-sftp',
      // bash sources ~/.bashrc for SSH commands unless SHLVL says it is nested; this machine's
      // root .bashrc runs `pyenv init`, which would add about a second to every exec.
      'SetEnv SHLVL=1',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'));
    const argv = [...(options.prefix ?? []), '/usr/sbin/sshd', '-D', '-e', '-f', config];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    const log: Buffer[] = [];
    child.stderr!.on('data', (c: Buffer) => {
      log.push(c);
      // sshd's last words can arrive after stop() removed dir: they are dropped, not thrown.
      if (existsSync(dir)) writeFileSync(join(dir, 'sshd.log'), Buffer.concat(log));
    });
    const stopOnExit = () => child.kill('SIGKILL');
    process.once('exit', stopOnExit);
    try {
      await waitForPort(port, child, () => Buffer.concat(log).toString());
    } catch (err) {
      process.removeListener('exit', stopOnExit);
      child.kill('SIGKILL');
      lastError = err as Error;
      continue;
    }
    const hostPub = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(/\s+/);
    const knownHostsPath = join(dir, 'known_hosts');
    writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`, { mode: 0o600 });
    const pidFile = join(dir, 'sshd.pid');
    const sshdPid = () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim()) || child.pid!;
      } catch {
        return child.pid!;
      }
    };
    const killSessions = async () => killChildren(sshdPid());
    return {
      host: '127.0.0.1',
      port,
      user: 'root',
      privateKeyPath,
      knownHostsPath,
      hostKeyPath,
      dir,
      killSessions,
      stop: async () => {
        process.removeListener('exit', stopOnExit);
        const pid = sshdPid();
        await killSessions();
        if (pid !== child.pid) await killPids([pid]);
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start: ${lastError?.message}`);
}

/** A ConnectTarget for the ssh transport reaching `sshd` as root with its key; `config` adds or overrides keys. */
export function sshTarget(sshd: Sshd, config: Partial<SshConfig> = {}, name = 'sshd-test'): TargetFor<'ssh'> {
  return {
    name,
    host: sshd.host,
    transport: 'ssh',
    config: {
      user: sshd.user,
      port: sshd.port,
      'private-key': sshd.privateKeyPath,
      'known-hosts': sshd.knownHostsPath,
      ...config,
    },
  };
}

export interface TestUser {
  name: string;
  password: string;
  home: string;
  remove(): Promise<void>;
}

/**
 * Creates a local user with a random password (usable for SSH password logins on any test sshd).
 * `sudo: 'password'` lets it run anything through sudo with its password; 'nopasswd' without one.
 */
export async function createTestUser(options: { sudo?: 'password' | 'nopasswd' } = {}): Promise<TestUser> {
  const name = `regent${Math.random().toString(36).slice(2, 8)}`;
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  await retryOnLock(() => run('useradd', ['-m', '-s', '/bin/sh', name]));
  await retryOnLock(() => runWithInput('chpasswd', [], `${name}:${password}\n`));
  const sudoers = `/etc/sudoers.d/regen-test-${name}`;
  if (options.sudo) {
    const tag = options.sudo === 'nopasswd' ? 'NOPASSWD: ' : '';
    writeFileSync(sudoers, `${name} ALL=(ALL:ALL) ${tag}ALL\n`, { mode: 0o440 });
  }
  return {
    name,
    password,
    home: `/home/${name}`,
    remove: async () => {
      rmSync(sudoers, { force: true });
      await killPids(await pidsOf(['-u', name]));
      await retryOnLock(() => run('userdel', ['-r', '-f', name])).catch(() => undefined);
    },
  };
}

/** Test files run in parallel: useradd and friends fail while another holds /etc/passwd's lock. */
async function retryOnLock<T>(action: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      const text = `${(err as Error).message} ${(err as { stderr?: string }).stderr ?? ''}`;
      if (attempt >= 50 || !/lock/i.test(text)) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
    }
  }
}

function runWithInput(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed: ${err}`))));
    child.stdin!.end(input);
  });
}

async function killChildren(pid: number): Promise<void> {
  await killPids(await pidsOf(['--ppid', String(pid)]));
}

async function pidsOf(select: string[]): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', ...select]).catch(() => ({ stdout: '' }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

async function killPids(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s: ${log()}`);
}
