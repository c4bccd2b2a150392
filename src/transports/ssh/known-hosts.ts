// OpenSSH known_hosts: parsing (plain, wildcard, negated, `[host]:port` and hashed `|1|salt|hash`
// host fields; @revoked lines), the verdict for a presented host key, and trust-on-first-use appends.
// @cert-authority lines are read but never accept a key: regen does not verify host certificates.
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
  file: string;
  line: number;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** The host is known with other keys: `expected` lists them. */
  | { status: 'changed'; expected: KnownHostEntry[] };

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as typeof marker;
    else if (fields[0].startsWith('@')) return;
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0 || blobKeyType(key) !== keyType) return;
    entries.push({ marker, hosts, keyType, key, file, line: i + 1 });
  });
  return entries;
}

/** Reads every existing file in order; a missing file is simply empty. */
export function loadKnownHosts(files: string[]): KnownHostEntry[] {
  return files.flatMap((f) => (existsSync(f) ? parseKnownHosts(readFileSync(f, 'utf8'), f) : []));
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function hostMatches(hosts: string, name: string): boolean {
  const lname = name.toLowerCase();
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const raw of hosts.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!wildcardMatch(pattern, lname)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function wildcardMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

export function checkHostKey(entries: KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const forHost = entries.filter((e) => !e.marker && hostMatches(e.hosts, name));
  const same = forHost.find((e) => e.key.equals(key));
  if (same) return { status: 'known', entry: same };
  return forHost.length > 0 ? { status: 'changed', expected: forHost } : { status: 'unknown' };
}

/** Key types known for `name`, so the handshake can ask the server for one of them first. */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types = entries.filter((e) => !e.marker && hostMatches(e.hosts, name)).map((e) => e.keyType);
  return [...new Set(types)];
}

export function appendKnownHost(file: string, name: string, key: Buffer): void {
  if (existsSync(file) && checkHostKey(parseKnownHosts(readFileSync(file, 'utf8'), file), name, key).status === 'known') {
    return;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const prev = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  const sep = prev.length > 0 && prev[prev.length - 1] !== 0x0a ? '\n' : '';
  appendFileSync(file, `${sep}${name} ${blobKeyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function blobKeyType(key: Buffer): string {
  if (key.length < 4) return '';
  const len = key.readUInt32BE(0);
  if (len > 64 || key.length < 4 + len) return '';
  return key.subarray(4, 4 + len).toString('latin1');
}
