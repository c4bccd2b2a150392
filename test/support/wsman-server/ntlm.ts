// The server half of NTLMv2 for the WS-Management test server, written apart from the client in
// src/transports/winrm so that a shared mistake cannot hide: the NT hash comes from the openssl
// CLI (legacy provider), RC4 is a separate implementation, and the checks follow MS-NLMP 3.2.5.
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';

const SIG = 'NTLMSSP\0';
const F_UNICODE = 0x1;
const F_SIGN = 0x10;
const F_SEAL = 0x20;
const F_NTLM = 0x200;
const F_ALWAYS_SIGN = 0x8000;
const F_TARGET_TYPE_SERVER = 0x20000;
const F_ESS = 0x80000;
const F_TARGET_INFO = 0x800000;
const F_VERSION = 0x2000000;
const F_128 = 0x20000000;
const F_KEY_EXCH = 0x40000000;
const F_56 = 0x80000000;
const SUPPORTED = (F_UNICODE | F_SIGN | F_SEAL | F_NTLM | F_ALWAYS_SIGN | F_ESS | F_TARGET_INFO | F_VERSION | F_128 | F_KEY_EXCH | F_56) >>> 0;

/** NT hash (MD4 of the UTF-16LE password) computed by `openssl dgst -md4`. */
export function ntHashWithOpenssl(password: string): Buffer {
  const run = spawnSync('openssl', ['dgst', '-md4', '-binary', '-provider', 'legacy', '-provider', 'default'], {
    input: Buffer.from(password, 'utf16le'),
  });
  if (run.status !== 0 || run.stdout.length !== 16) {
    throw new Error(`openssl could not compute MD4 (is the OpenSSL legacy provider installed?): ${run.stderr.toString()}`);
  }
  return run.stdout;
}

const hmac = (key: Buffer, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHmac('md5', key)).digest();
const md5 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('md5')).digest();

/** RC4 as a closure over its state (independent of the client's class). */
function rc4(key: Buffer): (data: Buffer) => Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) % 256;
    const t = s[i];
    s[i] = s[j];
    s[j] = t;
  }
  let x = 0;
  let y = 0;
  return (data) =>
    Buffer.from(
      data.map((byte) => {
        x = (x + 1) % 256;
        y = (y + s[x]) % 256;
        const t = s[x];
        s[x] = s[y];
        s[y] = t;
        return byte ^ s[(s[x] + s[y]) % 256];
      }),
    );
}

export interface PendingChallenge {
  negotiate: Buffer;
  challenge: Buffer;
  serverChallenge: Buffer;
}

function avPair(id: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

/** Answers a NEGOTIATE (type 1) with a CHALLENGE (type 2) like a standalone Windows host. */
export function challengeFor(negotiate: Buffer, computer = 'WINAGENT'): PendingChallenge {
  const clientFlags = negotiate.readUInt32LE(12);
  const flags = ((clientFlags & SUPPORTED) | F_TARGET_TYPE_SERVER | F_TARGET_INFO | F_UNICODE) >>> 0;
  const serverChallenge = randomBytes(8);
  const name = Buffer.from(computer, 'utf16le');
  const now = Buffer.alloc(8);
  now.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
  const info = Buffer.concat([
    avPair(2, name),
    avPair(1, name),
    avPair(4, Buffer.from(computer.toLowerCase(), 'utf16le')),
    avPair(3, Buffer.from(computer.toLowerCase(), 'utf16le')),
    avPair(7, now),
    avPair(0, Buffer.alloc(0)),
  ]);
  const head = Buffer.alloc(56);
  head.write(SIG, 0, 'latin1');
  head.writeUInt32LE(2, 8);
  head.writeUInt16LE(name.length, 12);
  head.writeUInt16LE(name.length, 14);
  head.writeUInt32LE(56, 16);
  head.writeUInt32LE(flags, 20);
  serverChallenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40);
  head.writeUInt16LE(info.length, 42);
  head.writeUInt32LE(56 + name.length, 44);
  Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 15]).copy(head, 48);
  return { negotiate, challenge: Buffer.concat([head, name, info]), serverChallenge };
}

export interface VerifiedUser {
  user: string;
  session?: ServerSession;
}

/**
 * Checks an AUTHENTICATE (type 3): NTLMv2 proof, MIC when flagged, channel bindings when sent
 * over TLS. `ntHashOf` returns the NT hash for a user name, or undefined for an unknown user.
 */
export function verifyAuthenticate(
  msg: Buffer,
  pending: PendingChallenge,
  ntHashOf: (user: string) => { name: string; hash: Buffer } | undefined,
  expectedBindings?: Buffer,
): VerifiedUser | { error: string } {
  if (msg.length < 64 || msg.toString('latin1', 0, 8) !== SIG || msg.readUInt32LE(8) !== 3) return { error: 'not an AUTHENTICATE message' };
  const field = (at: number) => msg.subarray(msg.readUInt32LE(at + 4), msg.readUInt32LE(at + 4) + msg.readUInt16LE(at));
  const nt = field(20);
  const domain = field(28).toString('utf16le');
  const userName = field(36).toString('utf16le');
  const encryptedKey = field(52);
  const flags = msg.readUInt32LE(60);
  if (nt.length <= 24) return { error: `user '${userName}' sent an NTLMv1 response (refused)` };
  const account = ntHashOf(userName);
  if (!account) return { error: `unknown user '${userName}'` };

  const v2Key = hmac(account.hash, Buffer.from(userName.toUpperCase() + domain, 'utf16le'));
  const proof = nt.subarray(0, 16);
  const blob = nt.subarray(16);
  if (!hmac(v2Key, pending.serverChallenge, blob).equals(proof)) return { error: `wrong password for user '${userName}'` };

  const pairs = new Map<number, Buffer>();
  for (let at = 28; at + 4 <= blob.length; ) {
    const id = blob.readUInt16LE(at);
    const len = blob.readUInt16LE(at + 2);
    if (id === 0) break;
    pairs.set(id, blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  const bindings = pairs.get(10);
  if (expectedBindings && bindings && !bindings.equals(Buffer.alloc(16)) && !bindings.equals(expectedBindings)) {
    return { error: 'channel binding token does not match the TLS certificate' };
  }

  const keyExchangeKey = hmac(v2Key, proof);
  const exported = flags & F_KEY_EXCH && encryptedKey.length === 16 ? rc4(keyExchangeKey)(encryptedKey) : keyExchangeKey;
  const avFlags = pairs.get(6);
  if (avFlags && avFlags.readUInt32LE(0) & 2) {
    const zeroed = Buffer.from(msg);
    zeroed.fill(0, 72, 88);
    const mic = hmac(exported, pending.negotiate, pending.challenge, zeroed);
    if (!mic.equals(msg.subarray(72, 88))) return { error: 'MIC does not match' };
  }
  return { user: account.name, session: flags & F_ESS && flags & F_SEAL ? new ServerSession(exported, flags) : undefined };
}

/** Server-side sealing: unseals client messages and seals replies (MS-NLMP 3.4.4.2). */
export class ServerSession {
  private readonly fromClient: (d: Buffer) => Buffer;
  private readonly toClient: (d: Buffer) => Buffer;
  private readonly clientSignKey: Buffer;
  private readonly serverSignKey: Buffer;
  private inSeq = 0;
  private outSeq = 0;

  constructor(key: Buffer, private readonly flags: number) {
    const sealBase = flags & F_128 ? key : key.subarray(0, flags & F_56 ? 7 : 5);
    const constant = (what: string) => Buffer.from(`session key to ${what} key magic constant\0`, 'latin1');
    this.fromClient = rc4(md5(sealBase, constant('client-to-server sealing')));
    this.toClient = rc4(md5(sealBase, constant('server-to-client sealing')));
    this.clientSignKey = md5(key, constant('client-to-server signing'));
    this.serverSignKey = md5(key, constant('server-to-client signing'));
  }

  private mac(cipher: (d: Buffer) => Buffer, key: Buffer, seq: number, message: Buffer): Buffer {
    const seqBytes = Buffer.alloc(4);
    seqBytes.writeUInt32LE(seq);
    const sum = hmac(key, seqBytes, message).subarray(0, 8);
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), this.flags & F_KEY_EXCH ? cipher(sum) : sum, seqBytes]);
  }

  unseal(sealed: Buffer, signature: Buffer): Buffer {
    const message = this.fromClient(sealed);
    if (!this.mac(this.fromClient, this.clientSignKey, this.inSeq++, message).equals(signature)) {
      throw new Error('bad signature on a sealed client message');
    }
    return message;
  }

  seal(message: Buffer): { sealed: Buffer; signature: Buffer } {
    const sealed = this.toClient(message);
    return { sealed, signature: this.mac(this.toClient, this.serverSignKey, this.outSeq++, message) };
  }
}

/** MD5 of the gss_channel_bindings_struct for the server's own certificate (SHA-256 signed). */
export function expectedChannelBindings(certDer: Buffer): Buffer {
  const app = Buffer.concat([Buffer.from('tls-server-end-point:'), createHash('sha256').update(certDer).digest()]);
  const head = Buffer.alloc(20);
  head.writeUInt32LE(app.length, 16);
  return md5(head, app);
}
