// A WS-Management (WinRM) test server: a real HTTP(S) server speaking the Windows Remote Shell
// protocol closely enough that pywinrm and regen's own client both run commands against it.
//
//   const server = await startWsmanServer({ users: { admin: 'S3cret!' }, handler });
//   server.url         http://127.0.0.1:PORT/wsman (https:// with `tls`)
//   server.log         every request seen (WsmanLogEntry): auth events, Create, Command (with
//                      commandLine and options), Send (bytes, End), Receive (fault 'w:TimedOut'),
//                      Signal (signalCode), Delete: assert on these, e.g. that a timeout sent
//                      Signal and Delete, or that no secret reached a command line
//   server.openShells  shells created and not yet deleted
//   server.dropIdleConnections()  close idle keep-alive sockets (NTLM must authenticate again)
//   await server.stop()
//
// Options: users {name: password} (local accounts; 'DOMAIN\user' logins match by user name);
// auth ['basic','ntlm'] (default both; NTLM is offered as "Negotiate", as Windows does);
// tls {key, cert} (PEM) for HTTPS, where NTLM channel bindings are checked when sent;
// allowUnencrypted (default false, like Windows: over plain HTTP Basic gets 401 and unsealed
// NTLM messages get 500); operationTimeoutMs caps the client's OperationTimeout so a silent
// command yields w:TimedOut faults quickly; chunkBytes caps the output bytes per Receive
// (default 64 KiB; small values split output over many Receives with Running states);
// idleTimeoutMs closes idle keep-alive connections (default 120 s, like HTTP.sys); inject
// ({action, commandLine, shellId}) may return {subcode, code, reason} to answer with that fault.
//
// Handler API (see types.ts): handler({commandLine, stdin, readStdin, signal, user}) returns an
// AsyncIterable of {stream: 'stdout'|'stderr', data: Buffer|string} items and, last, {exitCode}.
// `stdin` yields the Send chunks until End="true"; `signal` aborts on Signal terminate, shell
// Delete or server stop. A handler that throws ends the command with its message on stderr and
// exit code 1. defaultHandler (default-handler.ts) interprets a tiny test command language.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { defaultHandler } from './default-handler.js';
import { authenticate, sealReply, type AuthOptions } from './auth.js';
import { Shells } from './shells.js';
import { readRequest } from './soap.js';
import type { WsmanFaultInjector, WsmanHandler, WsmanLogEntry } from './types.js';

export type { WsmanCommand, WsmanFaultInjector, WsmanHandler, WsmanLogEntry, WsmanOutput } from './types.js';
export { defaultHandler } from './default-handler.js';

export interface WsmanServerOptions {
  users: Record<string, string>;
  auth?: ('basic' | 'ntlm')[];
  tls?: { key: string | Buffer; cert: string | Buffer };
  allowUnencrypted?: boolean;
  operationTimeoutMs?: number;
  chunkBytes?: number;
  idleTimeoutMs?: number;
  host?: string;
  handler?: WsmanHandler;
  inject?: WsmanFaultInjector;
}

export interface WsmanServer {
  url: string;
  host: string;
  port: number;
  log: WsmanLogEntry[];
  readonly openShells: number;
  /** Closes every idle keep-alive connection, as an HTTP.sys idle timeout would. */
  dropIdleConnections(): void;
  stop(): Promise<void>;
}

export async function startWsmanServer(options: WsmanServerOptions): Promise<WsmanServer> {
  const log: WsmanLogEntry[] = [];
  const host = options.host ?? '127.0.0.1';
  let url = '';
  const shells = new Shells(options.handler ?? defaultHandler, {
    operationTimeoutMs: options.operationTimeoutMs,
    chunkBytes: options.chunkBytes ?? 64 * 1024,
    endpoint: () => url,
    inject: options.inject,
  });
  const authOptions: AuthOptions = {
    users: options.users,
    schemes: options.auth ?? ['basic', 'ntlm'],
    tlsCert: options.tls?.cert,
    allowUnencrypted: options.allowUnencrypted ?? false,
  };

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const send = (status: number, headers: Record<string, string | string[]>, payload: Buffer = Buffer.alloc(0)) => {
      if (res.destroyed) return;
      res.writeHead(status, { ...headers, 'Content-Length': String(payload.length) });
      res.end(payload);
    };
    if (req.method !== 'POST' || req.url?.split('?')[0].toLowerCase() !== '/wsman') return send(404, {});

    const auth = authenticate(req, body, authOptions);
    const tls = !!options.tls;
    if (auth.event) log.push({ ...auth.event, tls });
    if (auth.reply) return send(auth.reply.status, auth.reply.headers);
    const { user, scheme, xml, session } = auth.ok!;
    if (!xml) return send(200, {}); // an authenticated empty message (pywinrm's encryption setup)

    const request = readRequest(xml);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const answer = await shells.handle(request, user, gone.signal);
    const kind = request.action.replace(/^.*\//, '');
    log.push({
      kind: (['Create', 'Command', 'Send', 'Receive', 'Signal', 'Delete'].includes(kind) ? kind : 'other') as WsmanLogEntry['kind'],
      status: answer.status,
      user,
      scheme,
      encrypted: !!session,
      tls,
      shellId: request.shellId ?? /<rsp:ShellId>([^<]+)</.exec(answer.xml)?.[1],
      commandId: request.commandId ?? request.streams[0]?.attrs.CommandId ?? /<rsp:CommandId>([^<]+)</.exec(answer.xml)?.[1],
      commandLine: request.commandLine,
      options: Object.keys(request.options).length ? request.options : undefined,
      operationTimeoutMs: request.operationTimeoutMs,
      stdinBytes: kind === 'Send' ? request.streams.reduce((n, s) => n + Buffer.from(s.text, 'base64').length, 0) : undefined,
      stdinEnd: kind === 'Send' ? request.streams.some((s) => s.attrs.End === 'true') : undefined,
      signalCode: kind === 'Signal' ? request.signalCode : undefined,
      fault: answer.fault,
    });
    const payload = Buffer.from(answer.xml, 'utf8');
    if (session) {
      const sealed = sealReply(session, payload);
      return send(answer.status, sealed.headers, sealed.body);
    }
    send(answer.status, { 'Content-Type': 'application/soap+xml;charset=UTF-8' }, payload);
  };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }) : http.createServer();
  server.keepAliveTimeout = options.idleTimeoutMs ?? 120_000;
  server.on('request', (req, res) => {
    onRequest(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`test server error: ${err.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `${options.tls ? 'https' : 'http'}://${host}:${port}/wsman`;
  return {
    url,
    host,
    port,
    log,
    get openShells() {
      return shells.open;
    },
    dropIdleConnections: () => server.closeIdleConnections(),
    async stop() {
      shells.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
