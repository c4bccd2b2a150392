// Tasks from a Bolt project's modules/, run by the built CLI over a real sshd and on the local transport.
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../support/sshd.js';
import { itemFor, json, regen, REPO_ROOT, sshConfigYaml, writeInventory } from './helpers.js';

let sshd: Sshd;
let dir: string;
let project: string;
let inventory: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'regen-cli-modules-'));
  chmodSync(dir, 0o755);
  project = join(dir, 'project');
  cpSync(join(REPO_ROOT, 'test/fixtures/bolt-project'), project, { recursive: true });
  inventory = writeInventory(dir, 'inventory.yaml', [
    'version: 2',
    'targets:',
    '  - name: remote',
    '    uri: 127.0.0.1',
    '    config:',
    '      transport: ssh',
    '      ssh:',
    sshConfigYaml(sshd, {}, '        '),
    '  - name: localhost',
    '',
  ].join('\n'));
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => regen(['-i', inventory, '--state-dir', join(dir, 'state'), '--format', 'json', ...args], { cwd: project });

describe('regen task with a Bolt project', () => {
  it('lists the modules\' tasks by their Bolt names and warns about, then skips, a broken metadata file', async () => {
    const list = await regen(['task', 'list'], { cwd: project });
    expect(list.code).toBe(0);
    for (const name of ['hello', 'usesfiles::greet', 'instdir::tool', 'broken::nohelper', 'service', 'backup']) {
      expect(list.stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
    }
    expect(list.stdout).not.toContain('badmeta');
    expect(list.stderr).toMatch(/Warning: .*badmeta\/tasks\/bad\.json: task 'badmeta::bad' skipped: not valid JSON/);
    const show = await regen(['task', 'show', 'hello::init'], { cwd: project });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('Implementations: init.ps1 (any), init.sh (any)');
  });

  for (const target of ['remote', 'localhost']) {
    it(`${target}: the init task without implementations gets its parameters, _task and _installdir on stdin`, async () => {
      const r = await run('task', 'hello', '-t', target, 'message=hi');
      expect(r.code, r.stderr).toBe(0);
      const doc = json(r);
      const said = itemFor(doc, target).value.said as Record<string, string>;
      expect(said.message).toBe('hi');
      expect(said._task).toBe('hello');
      expect(said._installdir).toMatch(/^\/tmp\/regen\.[^/]+$/);
      expect(doc.elapsed_time).toBe(Math.floor(doc.elapsed_ms / 1000));
    });

    it(`${target}: a shared file of another module is at $_installdir/othermod/files/, as Bolt lays it out`, async () => {
      const r = await run('task', 'usesfiles::greet', '-t', target, 'name=bob');
      expect(r.code, r.stderr).toBe(0);
      const value = itemFor(json(r), target).value;
      expect(value.greeting).toBe('helper from othermod: bob');
    });

    it(`${target}: a helper in the module's lib/ directory (files: ["instdir/lib/"]) runs from $PT__installdir/instdir/lib/`, async () => {
      const r = await run('task', 'instdir::tool', '-t', target);
      expect(r.code, r.stderr).toBe(0);
      const value = itemFor(json(r), target).value;
      expect(value).toMatchObject({ tool: 'ran', task: 'instdir::tool', version: '1.2.3' });
      expect(value.script).toMatch(/^\/tmp\/regen\.[^/]+\/instdir\/lib\/tool\.sh$/);
    });

    it(`${target}: a task whose helper is missing fails with Bolt's task-error and exit 1, never success`, async () => {
      const r = await run('task', 'broken::nohelper', '-t', target);
      expect(r.code).toBe(1);
      const item = itemFor(json(r), target);
      expect(item.status).toBe('failure');
      expect(item.value._output).toBe('');
      expect(item.value._error?.kind).toBe('puppetlabs.tasks/task-error');
      expect(item.value._error?.msg).toContain('missing.sh');
      expect(item.value.did).toBeUndefined();
    });
  }

  it('--modulepath replaces modules/: the project\'s tasks are then unknown, and a module name is not matched to regen\'s own task', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const r = await regen(['task', 'show', 'usesfiles::greet', '--modulepath', empty], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown task 'usesfiles::greet'");
    const svc = await regen(['task', 'show', 'service::linux'], { cwd: project });
    expect(svc.code).toBe(2);
    expect(svc.stderr).not.toMatch(/Did you mean: service\b/);
    expect(svc.stderr).toContain("No module 'service' task");
    const viaPath = await regen(['task', 'show', 'usesfiles::greet', '--modulepath', join(project, 'modules')], { cwd: dir });
    expect(viaPath.code, viaPath.stderr).toBe(0);
  });
});
