import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  hostMatches,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from './known-hosts.js';

// A key and two entries hashed by `ssh-keygen -H` (for [db.example.com]:2222 and web1.example.com).
const KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIMNNAENS7+zrAjT7f7R90Mcm29HJKSxpfYP+dKUARLE6';
const KEY = Buffer.from(KEY_B64, 'base64');
const OTHER_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIHXQ4bVtKdx6t2dQUsPrOc6vTwIW+VE9ywNkHEjyxXgz';
const OTHER = Buffer.from(OTHER_B64, 'base64');
const HASHED = [
  `|1|fvZ/Jan+3vArNqLXqBdiedNKz1o=|8DGS8uHOYEktouNgxkunuNne05g= ssh-ed25519 ${KEY_B64}`,
  `|1|IUL41cvdo94k5G5BcA6aWRmX1PA=|pme6M1jLab5Aq/RtXAwAx50f2mY= ssh-ed25519 ${KEY_B64}`,
].join('\n');

describe('known_hosts', () => {
  it('prints fingerprints as ssh-keygen -l does', () => {
    expect(fingerprint(KEY)).toBe('SHA256:zeOOSkHaXxqEhDs945WlrDd8fe4EdSb8F81MSXn0E1Q');
  });

  it('names hosts as OpenSSH looks them up', () => {
    expect(lookupName('web1', 22)).toBe('web1');
    expect(lookupName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it('matches hashed entries, including the [host]:port form', () => {
    const entries = parseKnownHosts(HASHED, 'kh');
    expect(checkHostKey(entries, '[db.example.com]:2222', KEY).status).toBe('known');
    expect(checkHostKey(entries, 'web1.example.com', KEY).status).toBe('known');
    expect(checkHostKey(entries, 'db.example.com', KEY).status).toBe('unknown');
    expect(checkHostKey(entries, 'web1.example.com', OTHER).status).toBe('changed');
  });

  it('matches comma lists, wildcards and negations, case-insensitively', () => {
    expect(hostMatches('a.example.com,B.example.com', 'b.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'agent7.example.com')).toBe(true);
    expect(hostMatches('agent?.example.com', 'agent7.example.com')).toBe(true);
    expect(hostMatches('agent?.example.com', 'agent17.example.com')).toBe(false);
    expect(hostMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostMatches('[10.0.0.5]:2222', '[10.0.0.5]:2222')).toBe(true);
    expect(hostMatches('10.0.0.5', '[10.0.0.5]:2222')).toBe(false);
  });

  it('reports a changed key with the entries it expected', () => {
    const entries = parseKnownHosts(`# comment\n\nmaster.example.com ssh-ed25519 ${KEY_B64} root@master\n`, 'kh');
    const verdict = checkHostKey(entries, 'master.example.com', OTHER);
    expect(verdict).toMatchObject({ status: 'changed', expected: [{ file: 'kh', line: 3, keyType: 'ssh-ed25519' }] });
    expect(knownKeyTypes(entries, 'master.example.com')).toEqual(['ssh-ed25519']);
  });

  it('refuses @revoked keys and never accepts through @cert-authority lines', () => {
    const text = [
      `@revoked * ssh-ed25519 ${OTHER_B64}`,
      `master.example.com ssh-ed25519 ${OTHER_B64}`,
      `@cert-authority *.example.com ssh-ed25519 ${KEY_B64}`,
    ].join('\n');
    const entries = parseKnownHosts(text, 'kh');
    expect(checkHostKey(entries, 'master.example.com', OTHER).status).toBe('revoked');
    expect(checkHostKey(entries, 'agent.example.com', KEY).status).toBe('unknown');
  });

  it('skips malformed lines and lines whose key does not match its type', () => {
    const entries = parseKnownHosts(`bad-line\nhost ssh-rsa ${KEY_B64}\n@weird host ssh-ed25519 ${KEY_B64}\n`, 'kh');
    expect(entries).toEqual([]);
  });

  it('appends a new key once, creating the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regen-kh-'));
    try {
      const file = join(dir, 'sub', 'known_hosts');
      appendKnownHost(file, '[127.0.0.1]:2200', KEY);
      appendKnownHost(file, '[127.0.0.1]:2200', KEY);
      expect(readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:2200 ssh-ed25519 ${KEY_B64}\n`);
      writeFileSync(file, `other ssh-ed25519 ${OTHER_B64}`); // no final newline
      appendKnownHost(file, 'web1', KEY);
      expect(readFileSync(file, 'utf8')).toBe(`other ssh-ed25519 ${OTHER_B64}\nweb1 ssh-ed25519 ${KEY_B64}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
