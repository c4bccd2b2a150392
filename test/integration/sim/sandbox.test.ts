// Without root (as `regen demo` runs it), the simulation builds and runs entirely inside its
// sandbox directory, every file owned by the user running it.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPair, sh, ssl, verify } from './helpers.js';

let dir: string;
let master: string;
let agent: string;

beforeAll(async () => {
  ({ dir, master, agent } = await buildPair({ user: 'nobody' }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the simulation without root', () => {
  it('builds a master and an agent owned by the user, with a valid PKI', () => {
    expect(execFileSync('find', [dir, '!', '-user', 'nobody'], { encoding: 'utf8' })).toBe('');
    expect(verify(ssl(master, 'ca/ca_crt.pem'), ssl(agent, 'certs/agent1.example.com.pem'), ssl(master, 'ca/ca_crl.pem'))).toBe('OK');
  });

  it('runs the agent and the CA as that user', async () => {
    const asNobody = (root: string, ...args: string[]) => sh('runuser', ['-u', 'nobody', '--', `${root}/opt/puppet/bin/puppet`, ...args]);
    expect((await asNobody(agent, 'agent', '-t')).code).toBe(0);
    const gen = await asNobody(master, 'cert', 'generate', 'extra.example.com');
    expect(gen).toMatchObject({ code: 0, stderr: '' });
    expect(execFileSync('stat', ['-c', '%U %a', ssl(master, 'private_keys/extra.example.com.pem')], { encoding: 'utf8' })).toBe('nobody 640\n');
  });
});
