// NTLMv2 client messages (MS-NLMP 2.2.1, 3.1.5, 3.3.2): NEGOTIATE, parse CHALLENGE, AUTHENTICATE
// with MIC and optional channel bindings. Only NTLMv2 is spoken; LM and NTLMv1 are never sent.
import { createHmac, randomBytes } from 'node:crypto';
import { md4, Rc4 } from './md4.js';
import { NtlmSession } from './ntlm-session.js';

export const FLAG = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

const CLIENT_FLAGS =
  (FLAG.UNICODE | FLAG.REQUEST_TARGET | FLAG.SIGN | FLAG.SEAL | FLAG.NTLM | FLAG.ALWAYS_SIGN |
    FLAG.EXTENDED_SESSIONSECURITY | FLAG.TARGET_INFO | FLAG.VERSION | FLAG.N128 | FLAG.KEY_EXCH | FLAG.N56) >>> 0;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
// Windows 10 / NTLMSSP revision 15: only informational.
const VERSION = Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 15]);

const AV_EOL = 0;
const AV_FLAGS = 6;
const AV_TIMESTAMP = 7;
const AV_CHANNEL_BINDINGS = 10;

export interface Credentials {
  user: string;
  domain: string;
  password: string;
}

/** `DOMAIN\user` names a domain; `user@domain` (UPN) and bare names are sent whole with no domain. */
export function splitUser(name: string): { user: string; domain: string } {
  const slash = name.indexOf('\\');
  return slash >= 0 ? { domain: name.slice(0, slash), user: name.slice(slash + 1) } : { domain: '', user: name };
}

export function negotiateMessage(): Buffer {
  const msg = Buffer.alloc(40);
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(1, 8);
  msg.writeUInt32LE(CLIENT_FLAGS, 12);
  // empty domain and workstation fields (offsets point at the end of the message)
  msg.writeUInt32LE(40, 20);
  msg.writeUInt32LE(40, 28);
  VERSION.copy(msg, 32);
  return msg;
}

export interface Challenge {
  flags: number;
  serverChallenge: Buffer;
  targetInfo: Buffer;
}

export function parseChallenge(msg: Buffer): Challenge {
  if (msg.length < 48 || !msg.subarray(0, 8).equals(SIGNATURE) || msg.readUInt32LE(8) !== 2) {
    throw new Error('the server answered with something that is not an NTLM CHALLENGE message');
  }
  const infoLength = msg.readUInt16LE(40);
  const infoOffset = msg.readUInt32LE(44);
  if (infoOffset + infoLength > msg.length) throw new Error('NTLM CHALLENGE message is truncated');
  return {
    flags: msg.readUInt32LE(20),
    serverChallenge: Buffer.from(msg.subarray(24, 32)),
    targetInfo: Buffer.from(msg.subarray(infoOffset, infoOffset + infoLength)),
  };
}

type AvPair = { id: number; value: Buffer };

function parseAvPairs(info: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  for (let at = 0; at + 4 <= info.length; ) {
    const id = info.readUInt16LE(at);
    const len = info.readUInt16LE(at + 2);
    if (id === AV_EOL) break;
    pairs.push({ id, value: info.subarray(at + 4, at + 4 + len) });
    at += 4 + len;
  }
  return pairs;
}

function encodeAvPairs(pairs: AvPair[]): Buffer {
  const parts = [...pairs, { id: AV_EOL, value: Buffer.alloc(0) }].map(({ id, value }) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(id, 0);
    head.writeUInt16LE(value.length, 2);
    return Buffer.concat([head, value]);
  });
  return Buffer.concat(parts);
}

const hmacMd5 = (key: Buffer, ...data: Buffer[]) => {
  const h = createHmac('md5', key);
  for (const d of data) h.update(d);
  return h.digest();
};
const utf16 = (s: string) => Buffer.from(s, 'utf16le');

export function ntowfv2(creds: Credentials): Buffer {
  return hmacMd5(md4(utf16(creds.password)), utf16(creds.user.toUpperCase() + creds.domain));
}

function fileTimeNow(): Buffer {
  const t = Buffer.alloc(8);
  t.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
  return t;
}

export interface AuthenticateInput {
  creds: Credentials;
  negotiate: Buffer;
  challenge: Buffer;
  /** MD5 of the gss_channel_bindings_struct (see channelBindingsHash), over TLS only. */
  channelBindings?: Buffer;
  /** Fixed values for test vectors; random/current otherwise. */
  clientChallenge?: Buffer;
  exportedSessionKey?: Buffer;
  timestamp?: Buffer;
}

export interface Authenticated {
  message: Buffer;
  /** Sealing/signing state for message encryption (HTTP). */
  session: NtlmSession;
}

export function authenticateMessage(input: AuthenticateInput): Authenticated {
  const { creds } = input;
  const challenge = parseChallenge(input.challenge);
  const flags = (challenge.flags & CLIENT_FLAGS) >>> 0;
  const pairs = parseAvPairs(challenge.targetInfo).filter((p) => p.id !== AV_FLAGS && p.id !== AV_CHANNEL_BINDINGS);
  const serverTime = pairs.find((p) => p.id === AV_TIMESTAMP)?.value;
  const clientChallenge = input.clientChallenge ?? randomBytes(8);
  const time = input.timestamp ?? serverTime ?? fileTimeNow();

  if (serverTime) {
    const avFlags = Buffer.alloc(4);
    avFlags.writeUInt32LE(0x2); // a MIC is provided
    pairs.push({ id: AV_FLAGS, value: avFlags });
  }
  if (input.channelBindings) pairs.push({ id: AV_CHANNEL_BINDINGS, value: input.channelBindings });

  const key = ntowfv2(creds);
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    time,
    clientChallenge,
    Buffer.alloc(4),
    encodeAvPairs(pairs),
    Buffer.alloc(4),
  ]);
  const ntProof = hmacMd5(key, challenge.serverChallenge, temp);
  const ntResponse = Buffer.concat([ntProof, temp]);
  // With a server timestamp the LMv2 response MUST be zeros (MS-NLMP 3.1.5.1.2).
  const lmResponse = serverTime
    ? Buffer.alloc(24)
    : Buffer.concat([hmacMd5(key, challenge.serverChallenge, clientChallenge), clientChallenge]);
  const keyExchangeKey = hmacMd5(key, ntProof);

  let exportedSessionKey: Buffer = keyExchangeKey;
  let encryptedKey: Buffer = Buffer.alloc(0);
  if (flags & FLAG.KEY_EXCH) {
    exportedSessionKey = input.exportedSessionKey ?? randomBytes(16);
    encryptedKey = new Rc4(keyExchangeKey).update(exportedSessionKey);
  }

  const fields = [lmResponse, ntResponse, utf16(creds.domain), utf16(creds.user), Buffer.alloc(0), encryptedKey];
  const header = Buffer.alloc(88);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let offset = header.length;
  fields.forEach((field, i) => {
    header.writeUInt16LE(field.length, 12 + i * 8);
    header.writeUInt16LE(field.length, 14 + i * 8);
    header.writeUInt32LE(offset, 16 + i * 8);
    offset += field.length;
  });
  header.writeUInt32LE(flags, 60);
  VERSION.copy(header, 64);
  const message = Buffer.concat([header, ...fields]);
  if (serverTime) {
    hmacMd5(exportedSessionKey, input.negotiate, input.challenge, message).copy(message, 72);
  }
  return { message, session: new NtlmSession(exportedSessionKey, flags) };
}
