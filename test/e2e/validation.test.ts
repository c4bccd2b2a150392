// A broken plan fails validation with exit 2 and FILE:LINE before regen opens any connection. The
// plans are the shipped master plan with one mistake each, run by path; the inventory's master points
// at a loopback listener that counts the connections it receives.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PLANS_DIR } from '../../src/tasks/bundle.js';
import { ensureBuilt, regen, said, tempDir } from './helpers.js';

let dir: string;
let inventory: string;
let server: Server;
let connections = 0;

beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir('validation');
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  inventory = path.join(dir, 'inventory.yaml');
  writeFileSync(inventory, stringify({
    version: 2,
    groups: [{ name: 'master', targets: [{ name: 'master.example.com', uri: `ssh://127.0.0.1:${port}` }] }],
    config: { transport: 'ssh', ssh: { user: 'root', 'host-key-check': false, 'connect-timeout': 5 } },
  }));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes plans/master.yaml with one mistake: `from` (found exactly once) becomes `to`. Returns the file
 * and the line of the mistake (the first line holding `mark`, a text only the mistake has).
 */
function brokenPlan(name: string, from: string, to: string, mark: string): { file: string; line: number } {
  const text = readFileSync(path.join(PLANS_DIR, 'master.yaml'), 'utf8');
  expect(text.split(from), `master.yaml must hold ${JSON.stringify(from)} exactly once`).toHaveLength(2);
  expect(text).not.toContain(mark);
  const broken = text.replace(from, to);
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, broken);
  return { file, line: broken.split('\n').findIndex((l) => l.includes(mark)) + 1 };
}

async function expectRejected(file: string, line: number, mention: string): Promise<void> {
  const before = connections;
  const run = await regen(['plan', file, '-i', inventory, '--yes'], { stateDir: dir });
  expect(run.code, said(run)).toBe(2);
  expect(run.stdout + run.stderr).toContain(`${file}:${line}`);
  expect(run.stdout + run.stderr).toContain(mention);
  expect(connections, 'a connection was opened').toBe(before);
}

describe('validation before connecting', () => {
  it('the unbroken plan does connect to the master (the listener sees it)', async () => {
    const file = path.join(dir, 'master.yaml');
    writeFileSync(file, readFileSync(path.join(PLANS_DIR, 'master.yaml')));
    const before = connections;
    const run = await regen(['plan', file, '-i', inventory, '--yes'], { stateDir: dir });
    expect(run.code, said(run)).toBe(1);
    expect(connections).toBeGreaterThan(before);
  });

  it('a misspelled task: exit 2 with file:line, no connection', async () => {
    const { file, line } = brokenPlan('bad_task', '- name: clear_ssl\n    task: clear_dir\n', '- name: clear_ssl\n    task: clear_dri\n', 'clear_dri');
    await expectRejected(file, line, 'clear_dri');
  });

  it('a parameter of the wrong type: exit 2 with file:line, no connection', async () => {
    const { file, line } = brokenPlan('bad_type', 'parameters: {puppet: "${profile.puppet}", busy_wait: 300}', 'parameters: {puppet: "${profile.puppet}", busy_wait: 300, waitforcert: soon}', 'waitforcert: soon');
    await expectRejected(file, line, 'waitforcert');
  });

  it('an unknown reference: exit 2 with file:line, no connection', async () => {
    const { file, line } = brokenPlan('bad_ref', '{path: "${facts.ssldir}", allowed_roots', '{path: "${fact.ssldir}", allowed_roots', '${fact.ssldir}');
    await expectRejected(file, line, 'fact.ssldir');
  });

  it('an unknown profile key: exit 2 with file:line, no connection', async () => {
    const { file, line } = brokenPlan('bad_profile', '\n      owner: "${profile.dirs.pgsql.owner}"\n', '\n      owner: "${profile.dirs.pgsql.onwer}"\n', 'onwer');
    await expectRejected(file, line, 'onwer');
  });
});
