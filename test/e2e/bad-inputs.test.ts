// Bad inputs, one table: each row is a `regen` command a user could type with one mistake. Rows refused
// before any connection exit 2 and name file:line or the parameter; the inventory's master is a loopback
// listener that counts connections, so "no connection" is observed, not assumed. Symlink escapes can only
// be seen on the host: those rows run against a real sshd and exit 1. Every row leaves the tree unchanged.
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PLANS_DIR } from '../../src/tasks/bundle.js';
import { sshConfigYaml } from '../cli/helpers.js';
import { snapshot } from '../integration/tasks/harness.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { ensureBuilt, regen, said, tempDir, type CliRun } from './helpers.js';

let dir: string; // inventories, plans, state: what regen reads and its logs
let base: string; // the tree the tasks would change: roots/, outside/, roots/escape -> outside
let roots: string;
let outside: string;
let listener: Server;
let connections = 0;
let sshd: Sshd;
let inventory: string; // master = the counting listener
let hosts: string; // host = the real sshd
let archive: string; // a backup of roots/deep/swap, taken before roots/deep became a link to outside/

beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir('bad-inputs');
  base = tempDir('bad-inputs-tree');
  chmodSync(base, 0o755);
  roots = path.join(base, 'roots');
  outside = path.join(base, 'outside');
  for (const d of ['ssl/certs', 'ssl/private_keys', 'deep/swap']) mkdirSync(path.join(roots, d), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(roots, 'ssl/certs/a.pem'), 'CERT A\n');
  writeFileSync(path.join(roots, 'ssl/private_keys/a.pem'), 'KEY A\n', { mode: 0o600 });
  writeFileSync(path.join(roots, 'deep/swap/kept.pem'), 'KEPT\n');
  writeFileSync(path.join(outside, 'precious'), 'PRECIOUS\n', { mode: 0o644 });
  symlinkSync(outside, path.join(roots, 'escape'));

  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  inventory = path.join(dir, 'inventory.yaml');
  writeFileSync(inventory, stringify({
    version: 2,
    groups: [{ name: 'master', targets: [{ name: 'master.example.com', uri: `ssh://127.0.0.1:${port}` }] }],
    config: { transport: 'ssh', ssh: { user: 'root', 'host-key-check': false, 'connect-timeout': 5 } },
  }));

  sshd = await startSshd();
  hosts = path.join(dir, 'hosts.yaml');
  writeFileSync(hosts, ['version: 2', 'config:', '  transport: ssh', '  ssh:', sshConfigYaml(sshd),
    'targets:', '  - name: host', '    uri: 127.0.0.1', ''].join('\n'));
  const made = await regen(['task', 'backup', '-i', hosts, '-t', 'host', '--format', 'json',
    `paths=${JSON.stringify([path.join(roots, 'deep/swap')])}`, `backup_dir=${path.join(dir, 'backups')}`], { stateDir: dir });
  expect(made.code, said(made)).toBe(0);
  archive = made.json.items[0].value.archive;
  rmSync(path.join(roots, 'deep'), { recursive: true });
  symlinkSync(outside, path.join(roots, 'deep'));
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve));
  await sshd?.stop();
  for (const d of [dir, base]) if (d) rmSync(d, { recursive: true, force: true });
});

/** Writes FILE (under dir) and returns it with the 1-based line of the first line holding MARK. */
function fileWithMark(name: string, text: string, mark: string): { file: string; line: number } {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const line = text.split('\n').findIndex((l) => l.includes(mark)) + 1;
  expect(line, `${name} must hold ${mark}`).toBeGreaterThan(0);
  return { file, line };
}

/** The shipped restore plan with `from` (found exactly once) replaced by `to`, run by path. */
function restorePlanWith(name: string, from: string, to: string, mark: string): { file: string; line: number } {
  const text = readFileSync(path.join(PLANS_DIR, 'restore.yaml'), 'utf8');
  expect(text.split(from), `restore.yaml must hold ${JSON.stringify(from)} once`).toHaveLength(2);
  return fileWithMark(`${name}.yaml`, text.replace(from, to), mark);
}

const inv = (name: string, text: string, mark: string, mention: string) => {
  const { file, line } = fileWithMark(name, text, mark);
  return { args: ['task', 'cert_list', '-i', file, '-t', 'all'], says: [`${file}:${line}:`, mention] };
};
const task = (name: string, ...words: string[]) => ['task', name, '-i', inventory, '-t', 'master', ...words];
const list = (...paths: string[]) => JSON.stringify(paths);

interface Row {
  name: string;
  /** Built in the test (after beforeAll): the command's arguments and what its message must contain. */
  make: () => { args: string[]; says: Array<string | RegExp> };
}

// Every destructive task, with a '..' in the path parameter it acts on and every other parameter valid.
const dots = () => `${roots}/ssl/../../outside`;
const dotRows: Array<[string, string, () => string[]]> = [
  ['backup', 'paths[0]', () => [`paths=${list(dots())}`, `backup_dir=${dir}/backups`]],
  ['ca_regenerate', 'ssldir', () => [`ssldir=${dots()}`]],
  ['ca_setup', 'cadir', () => ['puppetserver=/opt/puppetlabs/bin/puppetserver', 'certname=master.example.com', 'dns_alt_names=', `cadir=${dots()}`, `ssldir=${roots}/ssl`]],
  ['cert_clean', 'ssldir', () => ['certnames=["a.example.com"]', `cadir=${roots}/ssl/ca`, `ssldir=${dots()}`]],
  ['cert_generate', 'ssldir', () => ['certname=a.example.com', `ssldir=${dots()}`]],
  ['cert_sign', 'cadir', () => ['certnames=["a.example.com"]', `cadir=${dots()}`]],
  ['chmod', 'path', () => [`path=${dots()}`, 'mode=0000', `allowed_roots=${list(roots)}`]],
  ['chown', 'path', () => [`path=${dots()}`, 'owner=nobody', `allowed_roots=${list(roots)}`]],
  ['clear_dir', 'path', () => [`path=${dots()}`, `allowed_roots=${list(roots)}`]],
  ['copy_file', 'dest', () => [`source=${roots}/ssl/certs/a.pem`, `dest=${dots()}/a.pem`, `allowed_roots=${list(roots)}`]],
  ['copy_keypair', 'dest_dir', () => ['certname=a', `ssldir=${roots}/ssl`, `dest_dir=${dots()}`, `allowed_roots=${list(roots)}`]],
  ['remove_file', 'path', () => [`path=${dots()}/precious`, `allowed_roots=${list(roots)}`]],
  ['restore', 'allowed_roots[0]', () => [`archive=${dir}/backups/x.tar.gz`, `allowed_roots=${list(`${roots}/..`)}`]],
  ['journal', 'dir', () => ['action=read', `dir=${dots()}`]],
];

const refusedBeforeConnecting: Row[] = [
  { name: 'inventory: malformed YAML', make: () => inv('malformed.yaml', 'version: 2\ngroups:\n  - name: master\n    targets:\n    - name: a\n   uri: ssh://a\n', 'uri: ssh://a', 'invalid YAML') },
  { name: 'inventory: unknown key', make: () => inv('unknown-key.yaml', 'version: 2\ngroups:\n  - name: master\n    targts:\n      - name: a\n', 'targts', "unknown key 'targts'") },
  { name: 'inventory: wrong type', make: () => inv('wrong-type.yaml', 'version: 2\ngroups:\n  - name: master\n    targets:\n      - name: a\n        config:\n          ssh:\n            port: abc\n', 'port: abc', 'config.ssh.port') },
  { name: 'a target spec matching no target', make: () => ({ args: task('cert_list', '-t', 'nosuch'), says: ["'nosuch'"] }) },
  { name: 'plan: malformed YAML', make: () => {
    const { file, line } = restorePlanWith('malformed', '  - name: restore\n', '  - name: restore: again\n', 'restore: again');
    return { args: ['plan', file, '-i', inventory, 'archive=/var/x.tar.gz'], says: [`${file}:${line}`, 'invalid YAML'] };
  } },
  { name: 'plan: unknown key in a step', make: () => {
    const { file, line } = restorePlanWith('unknown-key', '    summary: {label: restored from', '    sumary: {label: restored from', 'sumary');
    return { args: ['plan', file, '-i', inventory, 'archive=/var/x.tar.gz'], says: [`${file}:${line}`, 'sumary'] };
  } },
  { name: 'plan: a literal path with ..', make: () => {
    const { file, line } = restorePlanWith('literal-dots', 'archive: "${archive}"', 'archive: "/var/opt/../x.tar.gz"', '/var/opt/../x.tar.gz');
    return { args: ['plan', file, '-i', inventory, 'archive=/var/x.tar.gz'], says: [`${file}:${line}`, "'archive'", "'..' component"] };
  } },
  { name: 'plan parameter: wrong type', make: () => ({ args: ['plan', 'agents', '-i', inventory, 'concurrency=lots'], says: ["parameter 'concurrency'", 'Integer[1, 100]'] }) },
  { name: 'plan parameter: unknown', make: () => ({ args: ['plan', 'master', '-i', inventory, 'colour=red'], says: ["no parameter 'colour'"] }) },
  { name: 'plan parameters: malformed --params', make: () => {
    writeFileSync(path.join(dir, 'params.json'), '{"force": tru\n');
    return { args: ['plan', 'master', '-i', inventory, '--params', `@${path.join(dir, 'params.json')}`], says: ['--params', 'not valid JSON'] };
  } },
  { name: 'plan parameter: a path with ..', make: () => ({ args: ['plan', 'restore', '-i', inventory, `archive=${roots}/../x.tar.gz`], says: ["parameter 'archive'", "'..' component", "task 'restore'"] }) },
  { name: 'plan parameter: a relative path', make: () => ({ args: ['plan', 'restore', '-i', inventory, 'archive=backups/x.tar.gz'], says: ["parameter 'archive'", 'relative'] }) },
  { name: 'inventory: a profile override with ..', make: () => {
    const file = path.join(dir, 'override.yaml');
    writeFileSync(file, readFileSync(inventory, 'utf8').replace(/(uri: .*\n)/, `$1        vars:\n          profile_overrides: {backup_dir: ${roots}/../b}\n`));
    expect(readFileSync(file, 'utf8')).toContain('profile_overrides');
    // The first destructive step fed by it: the backup task's backup_dir line in plans/master.yaml.
    const lines = readFileSync(path.join(PLANS_DIR, 'master.yaml'), 'utf8').split('\n');
    const step = lines.findIndex((l) => l.trim() === 'task: backup');
    const line = lines.findIndex((l, i) => i > step && l.trim() === 'backup_dir: ${profile.backup_dir}') + 1;
    expect(step).toBeGreaterThan(0);
    return { args: ['plan', 'master', '-i', file, '--yes'], says: [`master.yaml:${line}: backup on master.example.com`, "parameter 'backup_dir'", `'${roots}/../b' has a '..' component`] };
  } },
  { name: 'task: unknown parameter', make: () => ({ args: task('clear_dir', `pth=${roots}/ssl`), says: ["no parameter 'pth'"] }) },
  { name: 'task: wrong type', make: () => ({ args: task('chmod', `path=${roots}/ssl`, 'mode=0600', 'recursive=maybe'), says: ["parameter 'recursive'", 'Boolean'] }) },
  { name: 'task: a relative path', make: () => ({ args: task('clear_dir', 'path=ssl/certs', `allowed_roots=${list(roots)}`), says: ["parameter 'path'", "'ssl/certs' is relative"] }) },
  { name: 'certnames: a ; in the second', make: () => ({ args: task('cert_clean', 'certnames=["a.example.com","b;reboot"]', `cadir=${roots}/ssl/ca`, `ssldir=${roots}/ssl`), says: ['certnames[1]', "'b;reboot'", "metacharacter ';'"] }) },
  { name: 'certnames: $(...) in the first', make: () => ({ args: task('cert_sign', 'certnames=["$(id)"]', `cadir=${roots}/ssl/ca`), says: ['certnames[0]', "metacharacter '$'"] }) },
  { name: 'certnames: a space in the third', make: () => ({ args: task('csr_wait', 'certnames=["a","b","c d"]', `cadir=${roots}/ssl/ca`), says: ['certnames[2]', 'white space'] }) },
  ...dotRows.map(([name, param, words]): Row => ({
    name: `${name}: a '..' path`,
    make: () => ({ args: task(name, ...words()), says: [`task '${name}' parameter '${param}'`, "'..' component", 'before connecting'] }),
  })),
];

// Every destructive task given a path inside allowed_roots that a symlink leads out of.
const escapeRows: Array<[string, string, () => string[]]> = [
  ['clear_dir', 'path', () => [`path=${roots}/escape`]],
  ['remove_file', 'path', () => [`path=${roots}/escape/precious`, 'recursive=true']],
  ['copy_file', 'dest', () => [`source=${roots}/ssl/certs/a.pem`, `dest=${roots}/escape/a.pem`]],
  ['copy_keypair', 'dest_dir', () => ['certname=a', `ssldir=${roots}/ssl`, `dest_dir=${roots}/escape`]],
  ['chown', 'path', () => [`path=${roots}/escape`, 'owner=nobody', 'recursive=true']],
  ['chmod', 'path', () => [`path=${roots}/escape`, 'mode=0000', 'recursive=true']],
  ['restore', 'path in manifest', () => [`archive=${archive}`]],
];

async function expectRefused(run: CliRun, code: number, says: Array<string | RegExp>): Promise<void> {
  expect(run.code, said(run)).toBe(code);
  const text = run.stdout + run.stderr;
  for (const s of says) expect(text, said(run)).toMatch(typeof s === 'string' ? new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : s);
}

describe('bad inputs: refused before any connection, exit 2', () => {
  it('the table has a row for every task that declares path parameters', async () => {
    const { loadTasks } = await import('../../src/tasks/load.js');
    const { pathParameters } = await import('../../src/tasks/paths.js');
    const declaring = [...loadTasks().values()].filter((t) => pathParameters(t).length > 0).map((t) => t.name).sort();
    expect(dotRows.map(([name]) => name).sort()).toEqual(declaring);
  });

  for (const row of refusedBeforeConnecting) {
    it(row.name, async () => {
      const { args, says } = row.make();
      const before = { connections, tree: snapshot(base) };
      await expectRefused(await regen(args, { stateDir: dir }), 2, says);
      expect(connections, 'a connection was opened').toBe(before.connections);
      expect(snapshot(base)).toEqual(before.tree);
    });
  }

  it('a valid command does reach the listener (the count can move)', async () => {
    const before = connections;
    const run = await regen(task('clear_dir', `path=${roots}/ssl/certs`, `allowed_roots=${list(roots)}`, '--dry-run'), { stateDir: dir });
    expect(run.code, said(run)).toBe(1);
    expect(connections).toBeGreaterThan(before);
  });
});

describe('bad inputs: symlink escapes, refused on the host, exit 1', () => {
  for (const [name, param, words] of escapeRows) {
    it(`${name}: ${param} through a symlink out of allowed_roots`, async () => {
      const before = snapshot(base);
      const run = await regen(['task', name, '-i', hosts, '-t', 'host', ...words(), `allowed_roots=${list(roots)}`], { stateDir: dir });
      await expectRefused(run, 1, [`refusing ${param}`, `resolves to '${outside}`, 'not inside any allowed root', 'regen/guard', 'outside-roots']);
      expect(snapshot(base)).toEqual(before);
    });
  }
});
