import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpChannel, HttpError } from './http.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
let server: net.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A raw TCP server: `reply(n, socket)` decides what the n-th request (over all connections) gets. */
async function rawServer(reply: (n: number, socket: net.Socket) => void): Promise<number> {
  let n = 0;
  server = net.createServer((socket) => {
    socket.on('data', (d) => {
      if (d.includes('\r\n\r\n')) reply(n++, socket);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const channel = (port: number) => new HttpChannel({ host: '127.0.0.1', port, connectTimeoutMs: 2000 });
const post = (c: HttpChannel, timeoutMs = 2000, signal?: AbortSignal) =>
  c.request({ path: '/wsman', headers: {}, body: Buffer.from('x'), timeoutMs, signal });
const failure = async (p: Promise<unknown>) => ((await p.then(() => undefined, (e: unknown) => e)) as HttpError).failure;

describe('HttpChannel', () => {
  it('reuses the socket, and reports a reused socket closed without an answer as stale', async () => {
    const port = await rawServer((n, s) => (n === 1 ? s.destroy() : s.write(OK)));
    const c = channel(port);
    expect((await post(c)).body.toString()).toBe('ok');
    expect(c.generation).toBe(1);
    expect(await failure(post(c))).toBe('stale');
    expect((await post(c)).status).toBe(200);
    expect(c.generation).toBe(2);
    c.close();
  });

  it('reports a fresh socket closed without an answer as dropped', async () => {
    const port = await rawServer((_, s) => s.destroy());
    expect(await failure(post(channel(port)))).toBe('dropped');
  });

  it('times out and aborts requests the server never answers', async () => {
    const port = await rawServer(() => undefined);
    const c = channel(port);
    expect(await failure(post(c, 50))).toBe('timeout');
    const abort = new AbortController();
    const pending = post(c, 5000, abort.signal);
    setImmediate(() => abort.abort());
    expect(await failure(pending)).toBe('aborted');
    c.close();
  });
});
