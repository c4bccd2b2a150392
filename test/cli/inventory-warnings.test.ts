// Bolt options regen ignores, as the built CLI reports them: on stderr in human mode, in the JSON
// document's `warnings` with --format json; never an error. A typo in the same place is exit 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { regen } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'regen-inv-warnings-'));
const inventory = join(dir, 'inventory.yaml');
writeFileSync(inventory, ['version: 2', 'config:', '  ssh:', '    tty: true', '    native-ssh: false', 'targets: [web01.example.com]', ''].join('\n'));
const typo = join(dir, 'typo.yaml');
writeFileSync(typo, ['version: 2', 'config:', '  ssh:', '    private_key: /k', 'targets: [web01.example.com]', ''].join('\n'));
const warning = (line: number, key: string) => `${inventory}:${line}:5: config.ssh.${key}: Bolt option regen does not use; ignored`;

describe('inventory warnings in the CLI', () => {
  it('human mode: each warning once on stderr, the command succeeds', async () => {
    const r = await regen(['inventory', 'show', '-i', inventory, '-t', 'all'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Warning: '))).toEqual([`Warning: ${warning(4, 'tty')}`, `Warning: ${warning(5, 'native-ssh')}`]);
    expect(r.stdout).toContain('web01.example.com');
  });

  it('--format json: the warnings array, nothing on stderr', async () => {
    const r = await regen(['inventory', 'show', '-i', inventory, '-t', 'all', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.warnings).toEqual([warning(4, 'tty'), warning(5, 'native-ssh')]);
    expect(doc.count).toBe(1);
    expect(r.stderr).not.toContain('Warning');
  });

  it("a target of Bolt's docker transport loads, then fails at run time naming the target, the task and what to do (exit 1)", async () => {
    const docker = join(dir, 'docker.yaml');
    writeFileSync(docker, ['version: 2', 'config:', '  docker: { tty: true }', 'targets: [docker://app]', ''].join('\n'));
    const r = await regen(['task', 'run', 'facts', '-i', docker, '-t', 'all', '--format', 'json', '--state-dir', join(dir, 'state')], { cwd: dir });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.warnings).toEqual([`${docker}:3:3: config.docker: Bolt option regen does not use; ignored`]);
    const app = doc.items.find((i: { target: string }) => i.target === 'docker://app');
    expect(app.status).toBe('failure');
    expect(app.value._error.msg).toContain("could not run task 'facts': target docker://app uses Bolt's docker transport, which regen does not run");
    expect(app.value._error.msg).toContain('give docker://app an ssh:// or winrm:// uri');
    expect(app.value._error.details.transport).toBe('docker');
  });

  it('a key in no Bolt schema is refused, exit 2, with its suggestion', async () => {
    const r = await regen(['inventory', 'show', '-i', typo, '-t', 'all'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${typo}:4:5: config.ssh.private_key: unknown key 'private_key' (did you mean 'private-key'?)`);
  });
});
