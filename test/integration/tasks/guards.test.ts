// The path guards of every destructive task, over SSH: each rule refuses with a regen/guard error that
// names the parameter, the path and the rule, and the tree is unchanged afterwards. Parameters holding
// quotes, $(...), backticks, newlines and non-ASCII reach the task byte for byte.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, TaskHarness, tempTree } from './harness.js';

let h: TaskHarness;
let base: string;
let roots: string;
let outside: string;

beforeAll(async () => {
  h = await TaskHarness.start();
  base = tempTree('guards');
  roots = path.join(base, 'roots');
  outside = path.join(base, 'outside');
  mkdirSync(path.join(roots, 'ssl', 'certs'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(roots, 'ssl', 'certs', 'a.pem'), 'A');
  writeFileSync(path.join(outside, 'precious'), 'P');
  symlinkSync(outside, path.join(roots, 'escape'));
});

afterAll(async () => {
  await h?.stop();
  const { execFileSync } = await import('node:child_process');
  execFileSync('rm', ['-rf', base]);
});

// Each destructive task with the parameter the guard checks and the other parameters it needs.
const destructive: Array<[string, string, (p: string) => Record<string, unknown>]> = [
  ['clear_dir', 'path', (p) => ({ path: p })],
  ['remove_file', 'path', (p) => ({ path: p, recursive: true })],
  ['copy_file', 'dest', (p) => ({ source: path.join(roots, 'ssl', 'certs', 'a.pem'), dest: p })],
  ['copy_keypair', 'dest_dir', (p) => ({ certname: 'a', ssldir: path.join(roots, 'ssl'), dest_dir: p })],
  ['chown', 'path', (p) => ({ path: p, owner: 'root', recursive: true })],
  ['chmod', 'path', (p) => ({ path: p, mode: '0000', recursive: true })],
];

const cases = (): Array<[string, string, string[] | undefined]> => [
  ['empty', '', undefined],
  ['relative', 'ssl/certs', undefined],
  ['root', '/', undefined],
  ['root', '///', undefined],
  ['dot-component', `${roots}/ssl/../../outside`, undefined],
  ['dot-component', `${roots}/./ssl`, undefined],
  ['control-character', `${roots}/ssl\ncerts`, undefined],
  ['outside-roots', outside, undefined],
  ['outside-roots', `${roots}/escape`, undefined],
  ['outside-roots', `${roots}/escape/precious`, undefined],
  ['outside-roots', roots, undefined],
  ['outside-roots', `${roots}/ssl`, [`${roots}/ssl`]],
  ['no-roots', `${roots}/ssl`, []],
  ['root', `${roots}/ssl`, ['/']],
  ['relative', `${roots}/ssl`, ['ssl']],
];

describe('path guards', () => {
  for (const [task, param, params] of destructive) {
    it(`${task} refuses every unsafe ${param} and changes nothing`, async () => {
      // remove_file acts on a final symlink itself (never its target), so a link inside the roots is fair game.
      const all = cases().filter(([, p]) => !(task === 'remove_file' && p === `${roots}/escape`));
      const before = snapshot(base);
      // The guards run before a task looks at no-op; a few cases confirm that no-op mode refuses the same way.
      const runs = all.map(([rule, p, allowed]) => ({ rule, p, allowed, noop: false }))
        .concat(all.filter(([rule]) => ['root', 'outside-roots'].includes(rule)).slice(0, 3).map(([rule, p, allowed]) => ({ rule, p, allowed, noop: true })));
      for (let i = 0; i < runs.length; i += 6) {
        await Promise.all(runs.slice(i, i + 6).map(async ({ rule, p, allowed, noop }) => {
          const err = await h.error(task, { ...params(p), allowed_roots: allowed ?? [roots] }, { noop });
          const what = `${task} ${JSON.stringify(p)} roots=${JSON.stringify(allowed)} noop=${noop}`;
          expect(err.kind, what).toBe('regen/guard');
          expect(err.details.rule, what).toBe(rule);
          expect(err.msg).toContain('refusing');
          if (allowed === undefined) {
            expect(err.details.param, what).toBe(param);
            expect(err.details.path, what).toBe(p);
          }
        }));
      }
      expect(snapshot(base)).toEqual(before);
    });
  }

  it('restore refuses a manifest whose paths are outside allowed_roots, before touching anything', async () => {
    const backups = path.join(base, 'backups');
    const made = await h.ok('backup', { paths: [path.join(roots, 'ssl')], backup_dir: backups });
    const before = snapshot(base);
    const err = await h.error('restore', { archive: made.archive, allowed_roots: [outside] });
    expect(err.kind).toBe('regen/guard');
    expect(err.details.rule).toBe('outside-roots');
    expect(err.details.path).toBe(path.join(roots, 'ssl'));
    expect(snapshot(base)).toEqual(before);
  });

  it('refuses bad certnames, service names and modes with the pattern they break', async () => {
    for (const certname of ['Master.example.com', '-x', 'a b', '$(id)', 'a\nb']) {
      const err = await h.error('cert_sign', { certnames: [certname], ca_cli: 'puppet-cert', ca_bin: '/bin/false', cadir: roots });
      expect(err.kind).toBe('regen/bad-param');
      // A control character is refused while decoding the array, which is then quoted whole.
      expect(err.details.value).toBe(certname.includes('\n') ? JSON.stringify([certname]) : certname);
    }
    for (const name of ['pe puppet', ';reboot', '.x', '']) {
      const err = await h.error('service', { name, puppet: '/bin/false' });
      expect(err.kind).toBe('regen/bad-param');
      expect(err.details.value).toBe(name);
    }
    const err = await h.error('chmod', { path: `${roots}/ssl`, mode: 'u+rwx', allowed_roots: [roots] });
    expect(err.kind).toBe('regen/bad-param');
  });
});

describe('parameter bytes', () => {
  const hostile = `q'uo"te $(echo pwned) \`echo pwned\` \\back é ✓ 😀 $HOME ${"{"}x}`;

  it('a path holding quotes, $(...), backticks and non-ASCII arrives intact and nothing is executed', async () => {
    const dir = path.join(roots, 'hostile');
    mkdirSync(dir);
    const file = path.join(dir, hostile);
    writeFileSync(file, 'x');
    const done = await h.ok('remove_file', { path: file, allowed_roots: [roots] });
    expect(done.path).toBe(file);
    expect(done.paths).toEqual([file]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the same bytes arrive intact inside a JSON array parameter', async () => {
    const dir = path.join(roots, `arr ${hostile}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, hostile), 'y');
    const made = await h.ok('backup', { paths: [dir], backup_dir: path.join(base, 'backups') }, { noop: true });
    expect(made.paths).toEqual([dir]);
    expect(made.files).toBe(2);
  });

  it('a newline, tabs and other control characters come back byte for byte in the refusal', async () => {
    const nasty = `${roots}/ssl\n\t\r\u0001\u001f"\\ é\n`;
    const err = await h.error('clear_dir', { path: nasty, allowed_roots: [roots] });
    expect(err.details.rule).toBe('control-character');
    expect(err.details.path).toBe(nasty);
    const arr = await h.error('clear_dir', { path: `${roots}/ssl`, allowed_roots: [`${roots}\nx`] });
    expect(arr.kind).toBe('regen/bad-param');
    expect(arr.msg).toContain('control character');
  });
});
