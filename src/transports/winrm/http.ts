// A minimal HTTP/1.1 client over one persistent socket. NTLM authenticates a TCP connection,
// not a request, so the WinRM client must know exactly which socket each request used:
// `generation` changes whenever a new socket is opened.
import net from 'node:net';
import tls from 'node:tls';

export interface HttpTarget {
  host: string;
  port: number;
  tls?: { ca?: Buffer; rejectUnauthorized: boolean };
  connectTimeoutMs: number;
}

export type HttpFailure = 'connect' | 'tls' | 'timeout' | 'dropped' | 'stale' | 'aborted' | 'protocol';

export class HttpError extends Error {
  constructor(
    readonly failure: HttpFailure,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

export interface HttpRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

export class HttpChannel {
  /** Increments with every new socket. */
  generation = 0;
  /** DER of the server certificate on the current TLS socket. */
  peerCertificate?: Buffer;
  private socket?: net.Socket;
  private requestsOnSocket = 0;

  constructor(private readonly target: HttpTarget) {}

  isOpen(): boolean {
    return !!this.socket && !this.socket.destroyed && this.socket.writable;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    if (req.signal?.aborted) throw new HttpError('aborted', 'request cancelled');
    if (!this.isOpen()) await this.open(req.signal);
    const socket = this.socket!;
    const reused = this.requestsOnSocket++ > 0;
    const { host, port } = this.target;
    const hostHeader = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
    const head =
      `POST ${req.path} HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Length: ${req.body.length}\r\nConnection: Keep-Alive\r\n` +
      Object.entries(req.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      '\r\n';

    return new Promise<HttpResponse>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const finish = (err: HttpError | null, res?: HttpResponse) => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', onError);
        if (err) {
          this.drop(socket);
          reject(err);
        } else {
          if (res!.headers.connection?.some((v) => /close/i.test(v))) this.drop(socket);
          resolve(res!);
        }
      };
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        try {
          const res = parseHttpResponse(received, false);
          if (res) finish(null, res);
        } catch (err) {
          finish(new HttpError('protocol', (err as Error).message));
        }
      };
      const onClose = () => {
        const res = received.length > 0 ? safeParse(received) : undefined;
        if (res) return finish(null, res);
        if (received.length === 0 && reused) {
          return finish(new HttpError('stale', 'the server closed the idle connection'));
        }
        finish(new HttpError('dropped', 'the connection closed before a complete response arrived'));
      };
      const onError = (err: Error) => finish(new HttpError('dropped', `connection error: ${err.message}`, errorCode(err)));
      const onAbort = () => finish(new HttpError('aborted', 'request cancelled'));
      const timer = setTimeout(
        () => finish(new HttpError('timeout', `no complete response within ${Math.round(req.timeoutMs / 1000)}s`)),
        req.timeoutMs,
      );
      socket.on('data', onData);
      socket.on('close', onClose);
      socket.on('error', onError);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), req.body]));
    });
  }

  private drop(socket: net.Socket): void {
    socket.destroy();
    if (this.socket === socket) this.socket = undefined;
  }

  private async open(signal?: AbortSignal): Promise<void> {
    this.close();
    const { host, port, connectTimeoutMs } = this.target;
    const raw = await stage<net.Socket>('connect', connectTimeoutMs, signal, (ok, fail) => {
      const s = net.connect({ host, port });
      s.once('connect', () => ok(s));
      s.once('error', fail);
      return () => s.destroy();
    });
    let socket: net.Socket = raw;
    if (this.target.tls) {
      const options = this.target.tls;
      socket = await stage<tls.TLSSocket>('tls', connectTimeoutMs, signal, (ok, fail) => {
        const s = tls.connect({
          socket: raw,
          host, // the name (or IP) the certificate must match
          ca: options.ca,
          rejectUnauthorized: options.rejectUnauthorized,
          servername: net.isIP(host) ? undefined : host,
        });
        s.once('secureConnect', () => ok(s));
        s.once('error', fail);
        raw.once('close', () => fail(new Error('the server closed the connection during the TLS handshake')));
        return () => s.destroy();
      });
      this.peerCertificate = (socket as tls.TLSSocket).getPeerCertificate(true)?.raw;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('error', () => {}); // errors are reported by the request in flight, or by the next open
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.socket = socket;
    this.generation++;
    this.requestsOnSocket = 0;
  }
}

function stage<T>(
  failure: 'connect' | 'tls',
  timeoutMs: number,
  signal: AbortSignal | undefined,
  start: (ok: (v: T) => void, fail: (e: Error) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const destroy = start(
      (v) => settle(() => resolve(v)),
      (e) =>
        settle(() => {
          destroy();
          reject(new HttpError(failure, e.message, errorCode(e)));
        }),
    );
    const timer = setTimeout(
      () =>
        settle(() => {
          destroy();
          const what = failure === 'tls' ? 'TLS handshake' : 'TCP connection';
          reject(new HttpError(failure === 'tls' ? 'tls' : 'connect', `${what} not established within ${timeoutMs / 1000}s`, 'ETIMEDOUT'));
        }),
      timeoutMs,
    );
    const onAbort = () =>
      settle(() => {
        destroy();
        reject(new HttpError('aborted', 'request cancelled'));
      });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function safeParse(buf: Buffer): HttpResponse | undefined {
  try {
    return parseHttpResponse(buf, true) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Parses one response from `buf`; null while incomplete. `closed`: the peer ended the stream. */
export function parseHttpResponse(buf: Buffer, closed: boolean): HttpResponse | null {
  let start = 0;
  for (;;) {
    const headEnd = buf.indexOf('\r\n\r\n', start);
    if (headEnd < 0) return null;
    const lines = buf.subarray(start, headEnd).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0].slice(0, 80))}`);
    const headers: Record<string, string[]> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      (headers[name] ??= []).push(line.slice(colon + 1).trim());
    }
    const code = Number(status[1]);
    const bodyStart = headEnd + 4;
    if (code >= 100 && code < 200) {
      start = bodyStart; // interim response (100 Continue): the real one follows
      continue;
    }
    if (code === 204 || code === 304) return { status: code, headers, body: Buffer.alloc(0) };
    if (headers['transfer-encoding']?.some((v) => /chunked/i.test(v))) {
      const body = dechunk(buf, bodyStart);
      return body ? { status: code, headers, body } : null;
    }
    const length = headers['content-length']?.[0];
    if (length !== undefined) {
      const end = bodyStart + Number(length);
      return buf.length >= end ? { status: code, headers, body: Buffer.from(buf.subarray(bodyStart, end)) } : null;
    }
    return closed ? { status: code, headers, body: Buffer.from(buf.subarray(bodyStart)) } : null;
  }
}

function dechunk(buf: Buffer, from: number): Buffer | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunked response');
    if (size === 0) {
      if (buf.length < lineEnd + 4) return null;
      if (buf.subarray(lineEnd + 2, lineEnd + 4).toString() === '\r\n') return Buffer.concat(parts);
      return buf.indexOf('\r\n\r\n', lineEnd) >= 0 ? Buffer.concat(parts) : null;
    }
    if (buf.length < lineEnd + 2 + size + 2) return null;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
