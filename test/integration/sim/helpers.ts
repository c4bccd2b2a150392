// Builds simulated PE 3.7 hosts straight on disk (no namespaces) and runs their fake puppet and
// openssl against the files, for the tests of the simulation itself.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SIM_DIR } from '../../../src/tasks/bundle.js';

const run = promisify(execFile);

export interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

export async function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return { stdout, stderr, code: 0 };
  } catch (err: any) {
    if (typeof err.code !== 'number') throw err;
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? '', code: err.code };
  }
}

/** A master and one agent on a shared network directory, under a fresh temp dir. */
export async function buildPair(options: { user?: string } = {}): Promise<{ dir: string; master: string; agent: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'regen-simtest-'));
  const asUser = (args: string[]) => (options.user ? ['runuser', ['-u', options.user, '--', 'bash', ...args]] as const : ['bash', args] as const);
  if (options.user) execFileSync('chown', [options.user, dir]);
  else execFileSync('bash', [path.join(SIM_DIR, 'create-users.sh')]);
  const master = path.join(dir, 'master');
  const agent = path.join(dir, 'agent1');
  const common = ['--network', path.join(dir, 'network'), '--keylength', '1024'];
  const steps = [
    [path.join(SIM_DIR, 'build-host.sh'), master, '--role', 'master', '--certname', 'master.example.com',
      '--dns-alt-names', 'puppet,puppet.example.com', ...common],
    [path.join(SIM_DIR, 'build-host.sh'), agent, '--role', 'agent', '--certname', 'agent1.example.com',
      '--master', 'master.example.com', ...common],
  ];
  for (const step of steps) {
    const [cmd, args] = asUser(step);
    const r = await sh(cmd, [...args]);
    if (r.code !== 0) throw new Error(`build failed: ${r.stderr}`);
  }
  return { dir, master, agent };
}

export function puppet(root: string, ...args: string[]): Promise<Result> {
  return sh(path.join(root, 'opt/puppet/bin/puppet'), args);
}

export const ssl = (root: string, rel = '') => path.join(root, 'etc/puppetlabs/puppet/ssl', rel);

export function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl verify` with the CA (and CRL): "OK" or openssl's error line. */
export function verify(ca: string, cert: string, crl?: string): string {
  const args = ['verify', '-CAfile', ca, ...(crl ? ['-crl_check', '-CRLfile', crl] : []), cert];
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().endsWith(': OK') ? 'OK' : 'not OK';
  } catch (err: any) {
    return String(err.stdout ?? '') + String(err.stderr ?? '');
  }
}

export function certText(file: string): string {
  return openssl('x509', '-in', file, '-noout', '-text');
}

export function serialOf(file: string): number {
  return parseInt(openssl('x509', '-in', file, '-noout', '-serial').trim().split('=')[1], 16);
}

export function fingerprintOf(file: string): string {
  return openssl('x509', '-in', file, '-noout', '-fingerprint', '-sha256').trim().split('=')[1];
}

export function events(root: string): string[][] {
  return readFileSync(path.join(root, 'var/opt/lib/pe-sim/events.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t').slice(1));
}
