// Authentication of the test server: Basic per request, NTLM per TCP connection (as HTTP.sys
// does), and NTLM message sealing of request and reply bodies over plain HTTP.
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { challengeFor, expectedChannelBindings, ntHashWithOpenssl, verifyAuthenticate, type PendingChallenge, type ServerSession } from './ntlm.js';
import type { WsmanLogEntry } from './types.js';

export interface AuthOptions {
  users: Record<string, string>;
  schemes: ('basic' | 'ntlm')[];
  tlsCert?: string | Buffer;
  allowUnencrypted: boolean;
}

interface SocketState {
  pending?: PendingChallenge;
  user?: string;
  session?: ServerSession;
}

export interface AuthResult {
  event?: Omit<WsmanLogEntry, 'tls'>;
  reply?: { status: number; headers: Record<string, string | string[]> };
  ok?: { user: string; scheme: 'basic' | 'ntlm'; xml: string; session?: ServerSession };
}

const PROTOCOL = 'application/HTTP-SPNEGO-session-encrypted';
const BOUNDARY = '--Encrypted Boundary';
const OCTETS = '\tContent-Type: application/octet-stream\r\n';
const states = new WeakMap<Socket, SocketState>();
const hashes = new Map<string, Buffer>();

function account(users: Record<string, string>, login: string): { name: string; password: string } | undefined {
  const bare = login.slice(login.indexOf('\\') + 1).toLowerCase();
  const name = Object.keys(users).find((u) => u.toLowerCase() === bare);
  return name === undefined ? undefined : { name, password: users[name] };
}

export function authenticate(req: IncomingMessage, body: Buffer, o: AuthOptions): AuthResult {
  const tls = !!o.tlsCert;
  let state = states.get(req.socket);
  if (!state) states.set(req.socket, (state = {}));
  const offers = o.schemes.map((s) => (s === 'ntlm' ? 'Negotiate' : 'Basic realm="WSMAN"'));
  const deny = (event?: AuthResult['event']): AuthResult => ({ event, reply: { status: 401, headers: { 'WWW-Authenticate': offers } } });
  const header = req.headers.authorization ?? '';
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
  const scheme = m?.[1].toLowerCase();
  let event: AuthResult['event'];
  let user: string;
  let used: 'basic' | 'ntlm';

  if (m && scheme === 'basic' && o.schemes.includes('basic')) {
    // RFC 7617 says UTF-8; some clients (python-requests) send Latin-1: accept either.
    const raw = Buffer.from(m[2], 'base64');
    const decodings = [raw.toString('utf8'), raw.toString('latin1')];
    const login = decodings[0].slice(0, Math.max(0, decodings[0].indexOf(':')));
    const found = account(o.users, login);
    const fail = (error: string) => deny({ kind: 'auth', status: 401, scheme: 'basic', user: login, error });
    if (!tls && !o.allowUnencrypted) return fail('Basic over unencrypted HTTP refused (AllowUnencrypted=false)');
    if (!found) return fail(`unknown user '${login}'`);
    if (!decodings.some((d) => d.slice(d.indexOf(':') + 1) === found.password)) return fail(`wrong password for user '${login}'`);
    user = found.name;
    used = 'basic';
  } else if (m && (scheme === 'negotiate' || scheme === 'ntlm') && o.schemes.includes('ntlm')) {
    const token = Buffer.from(m[2], 'base64');
    const type = token.length >= 12 && token.toString('latin1', 0, 8) === 'NTLMSSP\0' ? token.readUInt32LE(8) : 0;
    if (type === 1) {
      state.pending = challengeFor(token);
      state.user = state.session = undefined;
      return { reply: { status: 401, headers: { 'WWW-Authenticate': `${m[1]} ${state.pending.challenge.toString('base64')}` } } };
    }
    if (type !== 3 || !state.pending) return deny({ kind: 'auth', status: 401, scheme: 'ntlm', error: 'unexpected NTLM message' });
    const bindings = tls ? expectedChannelBindings(new X509Certificate(o.tlsCert!).raw) : undefined;
    const result = verifyAuthenticate(
      token,
      state.pending,
      (login) => {
        const found = account(o.users, login);
        if (!found) return undefined;
        if (!hashes.has(found.password)) hashes.set(found.password, ntHashWithOpenssl(found.password));
        return { name: found.name, hash: hashes.get(found.password)! };
      },
      bindings,
    );
    state.pending = undefined;
    if ('error' in result) return deny({ kind: 'auth', status: 401, scheme: 'ntlm', error: result.error });
    state.user = user = result.user;
    state.session = result.session;
    used = 'ntlm';
    event = { kind: 'auth', status: 200, scheme: 'ntlm', user };
  } else if (!header && state.user) {
    user = state.user;
    used = 'ntlm';
  } else {
    return deny(header ? { kind: 'auth', status: 401, error: `unsupported authorization scheme ${m?.[1] ?? '?'}` } : undefined);
  }

  const type = req.headers['content-type'] ?? '';
  if (/^multipart\/encrypted/i.test(type)) {
    if (used !== 'ntlm' || !state.session) return deny({ kind: 'auth', status: 401, error: 'encrypted message without an NTLM session' });
    try {
      return { event, ok: { user, scheme: used, xml: unsealRequest(state.session, body), session: state.session } };
    } catch (err) {
      return { event: { kind: 'auth', status: 400, error: (err as Error).message }, reply: { status: 400, headers: {} } };
    }
  }
  if (body.length > 0 && used === 'ntlm' && !tls && !o.allowUnencrypted) {
    return { event: { kind: 'auth', status: 500, user, error: 'unencrypted message refused (AllowUnencrypted=false)' }, reply: { status: 500, headers: {} } };
  }
  return { event, ok: { user, scheme: used, xml: body.toString('utf8') } };
}

function unsealRequest(session: ServerSession, body: Buffer): string {
  const length = /OriginalContent: type=[^;\r\n]+;charset=UTF-8;Length=(\d+)/i.exec(body.toString('latin1', 0, 400));
  const start = body.indexOf(OCTETS);
  const end = body.indexOf(`${BOUNDARY}--`, start);
  if (!length || start < 0 || end < 0) throw new Error('malformed multipart/encrypted body');
  const data = body.subarray(start + OCTETS.length, end);
  const sigLength = data.readUInt32LE(0);
  const message = session.unseal(data.subarray(4 + sigLength), data.subarray(4, 4 + sigLength));
  if (message.length !== Number(length[1])) throw new Error('encrypted body length does not match OriginalContent');
  return message.toString('utf8');
}

export function sealReply(session: ServerSession, payload: Buffer): { headers: Record<string, string>; body: Buffer } {
  const { sealed, signature } = session.seal(payload);
  const sigLength = Buffer.alloc(4);
  sigLength.writeUInt32LE(signature.length);
  const body = Buffer.concat([
    Buffer.from(
      `${BOUNDARY}\r\n\tContent-Type: ${PROTOCOL}\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${payload.length}\r\n${BOUNDARY}\r\n${OCTETS}`,
      'latin1',
    ),
    sigLength,
    signature,
    sealed,
    Buffer.from(`${BOUNDARY}--\r\n`, 'latin1'),
  ]);
  return { headers: { 'Content-Type': `multipart/encrypted;protocol="${PROTOCOL}";boundary="Encrypted Boundary"` }, body };
}
