// Posts WS-Management envelopes to /wsman with Basic or NTLM authentication. NTLM over plain
// HTTP seals every message (MS-WSMV 2.2.9.1.1, "HTTP-SPNEGO-session-encrypted") as Windows
// requires by default (AllowUnencrypted=false); over HTTPS TLS protects the messages and NTLM
// adds the channel-binding token. Basic is refused over plain HTTP: it would expose the password.
import { HttpChannel, HttpError, type HttpResponse, type HttpTarget } from './http.js';
import { authenticateMessage, negotiateMessage, splitUser } from './ntlm.js';
import { channelBindingsHash, type NtlmSession } from './ntlm-session.js';

export interface WsmanClientOptions {
  target: HttpTarget;
  auth: 'basic' | 'ntlm';
  user: string;
  password: string;
}

/** The server refused the credentials (HTTP 401). `offered`: the schemes it advertised. */
export class WsmanAuthError extends Error {
  constructor(
    message: string,
    readonly offered: string[],
  ) {
    super(message);
    this.name = 'WsmanAuthError';
  }
}

export interface WsmanReply {
  status: number;
  text: string;
}

const SOAP_TYPE = 'application/soap+xml;charset=UTF-8';
const PROTOCOL = 'application/HTTP-SPNEGO-session-encrypted';
const BOUNDARY = '--Encrypted Boundary';
const ENCRYPTED_TYPE = `multipart/encrypted;protocol="${PROTOCOL}";boundary="Encrypted Boundary"`;
const PART_HEADER = '\tContent-Type: application/octet-stream\r\n';

export class WsmanClient {
  readonly endpoint: string;
  private readonly http: HttpChannel;
  private readonly encrypt: boolean;
  private session?: NtlmSession;
  private authedGeneration = -1;
  private handshook = false;

  constructor(private readonly options: WsmanClientOptions) {
    const { host, port, tls } = options.target;
    this.endpoint = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/wsman`;
    this.http = new HttpChannel(options.target);
    this.encrypt = options.auth === 'ntlm' && !tls;
  }

  close(): void {
    this.http.close();
  }

  /** Sends one envelope; returns the status and the (decrypted) body text. */
  async post(xml: string, timeoutMs: number, signal?: AbortSignal): Promise<WsmanReply> {
    const body = Buffer.from(xml, 'utf8');
    for (let attempt = 0; ; attempt++) {
      this.handshook = false;
      try {
        return await this.postOnce(body, timeoutMs, signal);
      } catch (err) {
        // A keep-alive socket the server closed while idle: nothing was processed, go again.
        if (attempt === 0 && err instanceof HttpError && err.failure === 'stale') continue;
        // An NTLM-authenticated connection the server no longer recognises: authenticate again.
        if (attempt === 0 && err instanceof WsmanAuthError && this.options.auth === 'ntlm' && !this.handshook) continue;
        throw err;
      }
    }
  }

  private async postOnce(body: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<WsmanReply> {
    const request = (headers: Record<string, string>, payload: Buffer) =>
      this.http.request({ path: '/wsman', headers, body: payload, timeoutMs, signal });

    if (this.options.auth === 'basic') {
      const token = Buffer.from(`${this.options.user}:${this.options.password}`, 'utf8').toString('base64');
      return this.reply(await request({ Authorization: `Basic ${token}`, 'Content-Type': SOAP_TYPE }, body));
    }

    if (this.http.generation !== this.authedGeneration || !this.http.isOpen()) {
      this.session = undefined;
      const answer = await this.handshake(body, request);
      if (answer) return answer;
    }
    if (this.encrypt) {
      const res = await request({ 'Content-Type': ENCRYPTED_TYPE }, this.seal(body));
      return this.reply(res);
    }
    return this.reply(await request({ 'Content-Type': SOAP_TYPE }, body));
  }

  /**
   * NEGOTIATE → CHALLENGE → AUTHENTICATE on the current socket. Without encryption the real
   * message rides on the AUTHENTICATE request and its answer is returned; with encryption the
   * AUTHENTICATE request is empty (as pywinrm does) and the message follows, sealed.
   */
  private async handshake(
    body: Buffer,
    request: (headers: Record<string, string>, payload: Buffer) => Promise<HttpResponse>,
  ): Promise<WsmanReply | undefined> {
    this.handshook = true;
    const negotiate = negotiateMessage();
    const first = await request({ Authorization: `Negotiate ${negotiate.toString('base64')}`, 'Content-Type': SOAP_TYPE }, Buffer.alloc(0));
    const generation = this.http.generation;
    const offered = first.headers['www-authenticate'] ?? [];
    const token = offered.map((v) => /^(?:Negotiate|NTLM)\s+([A-Za-z0-9+/=]+)\s*$/i.exec(v)?.[1]).find(Boolean);
    if (first.status !== 401 || !token) {
      if (first.status === 401) throw new WsmanAuthError('the server offers no NTLM (Negotiate) authentication', schemes(offered));
      throw new HttpError('protocol', `the server answered HTTP ${first.status} to an NTLM NEGOTIATE message`);
    }
    const { user, domain } = splitUser(this.options.user);
    const peer = this.options.target.tls ? this.http.peerCertificate : undefined;
    const auth = authenticateMessage({
      creds: { user, domain, password: this.options.password },
      negotiate,
      challenge: Buffer.from(token, 'base64'),
      channelBindings: peer ? channelBindingsHash(peer) : undefined,
    });
    const header = `Negotiate ${auth.message.toString('base64')}`;
    const second = await request({ Authorization: header, 'Content-Type': SOAP_TYPE }, this.encrypt ? Buffer.alloc(0) : body);
    if (second.status === 401) throw new WsmanAuthError('the server rejected the NTLM credentials', schemes(second.headers['www-authenticate'] ?? offered));
    if (this.http.generation !== generation) throw new HttpError('dropped', 'the server closed the connection during NTLM authentication');
    this.authedGeneration = generation;
    if (!this.encrypt) return this.reply(second);
    if (!auth.session.canSeal) {
      throw new HttpError('protocol', 'the server did not agree to NTLM extended session security, needed to encrypt WinRM over HTTP');
    }
    this.session = auth.session;
    return undefined;
  }

  private reply(res: HttpResponse): WsmanReply {
    if (res.status === 401) {
      this.authedGeneration = -1;
      throw new WsmanAuthError('the server rejected the credentials', schemes(res.headers['www-authenticate'] ?? []));
    }
    const type = res.headers['content-type']?.[0] ?? '';
    if (this.session && type.toLowerCase().startsWith('multipart/encrypted')) {
      return { status: res.status, text: this.unseal(res.body).toString('utf8') };
    }
    return { status: res.status, text: res.body.toString('utf8') };
  }

  private seal(message: Buffer): Buffer {
    const { sealed, signature } = this.session!.wrap(message);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(signature.length);
    return Buffer.concat([
      Buffer.from(
        `${BOUNDARY}\r\n\tContent-Type: ${PROTOCOL}\r\n` +
          `\tOriginalContent: type=${SOAP_TYPE};Length=${message.length}\r\n${BOUNDARY}\r\n${PART_HEADER}`,
        'latin1',
      ),
      length,
      signature,
      sealed,
      Buffer.from(`${BOUNDARY}--\r\n`, 'latin1'),
    ]);
  }

  /** Unseals every encrypted part of a multipart/encrypted body (Windows sends one; more are allowed). */
  private unseal(body: Buffer): Buffer {
    const text = body.toString('latin1');
    const part = /--Encrypted Boundary\r\n\tContent-Type: application\/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: [^\r\n]*Length=(\d+)\r\n--Encrypted Boundary\r\n\tContent-Type: application\/octet-stream\r\n/gi;
    const messages: Buffer[] = [];
    for (let m = part.exec(text); m; m = part.exec(text)) {
      // RC4 keeps lengths: the sealed message is exactly as long as the original content.
      const start = m.index + m[0].length;
      if (start + 4 > body.length) break;
      const signatureLength = body.readUInt32LE(start);
      const sealedAt = start + 4 + signatureLength;
      const end = sealedAt + Number(m[1]);
      if (end > body.length || !body.subarray(end, end + BOUNDARY.length).equals(Buffer.from(BOUNDARY))) {
        throw new HttpError('protocol', 'an encrypted WinRM response has the wrong length');
      }
      try {
        messages.push(this.session!.unwrap(body.subarray(sealedAt, end), body.subarray(start + 4, sealedAt)));
      } catch (err) {
        throw new HttpError('protocol', (err as Error).message);
      }
      part.lastIndex = end;
    }
    if (messages.length === 0) throw new HttpError('protocol', 'malformed encrypted WinRM response');
    return Buffer.concat(messages);
  }
}

function schemes(headers: string[]): string[] {
  return headers.map((h) => h.split(/\s+/)[0]).filter(Boolean);
}
