// Opens one authenticated ssh2 connection: host key checked against known_hosts, auth by key(s),
// agent, password or keyboard-interactive, TCP no-delay, and every failure mapped to a
// TransportError that says what went wrong and what to do.
import ssh2, { type AnyAuthMethod, type AuthHandlerMiddleware, type Client as SshClient, type ConnectConfig } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader only exposes its default export at run time.
const { Client } = ssh2;
import type { Duplex } from 'node:stream';
import { TransportError } from '../types.js';
import type { SshSettings } from './config.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  blobKeyType,
  knownKeyTypes,
  loadKnownHosts,
  lookupName,
} from './known-hosts.js';

const KEEPALIVE_MS = 15_000;

const HOST_KEY_ALGOS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * With proxyjump, the jump host is connected to first (host key checked, same credentials), and the
 * target's SSH session runs inside a direct-tcpip channel of it; closing the target closes the jump.
 */
export async function openClient(s: SshSettings, targetName: string): Promise<SshClient> {
  if (!s.jump) return openDirect(s, targetName);
  const jumpAt = `${s.jump.user}@${s.jump.host}:${s.jump.port}`;
  const jump = await openDirect({ ...s, ...s.jump, jump: undefined }, targetName).catch((e: unknown) => {
    if (e instanceof TransportError) throw new TransportError(e.kind, targetName, `proxyjump ${jumpAt}: ${e.message}`, e.hint);
    throw e;
  });
  let sock: Duplex;
  try {
    sock = await new Promise<Duplex>((resolve, reject) =>
      jump.forwardOut('127.0.0.1', 0, s.host, s.port, (err, stream) => (err ? reject(err) : resolve(stream))),
    );
  } catch (e) {
    jump.end();
    throw new TransportError('connect', targetName, `proxyjump ${jumpAt} could not open a tunnel to ${s.host}:${s.port}: ${(e as Error).message}`,
      `Check that ${s.jump.host} can reach ${s.host}:${s.port} and that its sshd allows TCP forwarding (AllowTcpForwarding).`);
  }
  try {
    const client = await openDirect(s, targetName, sock);
    client.once('close', () => jump.end());
    return client;
  } catch (e) {
    jump.end();
    throw e;
  }
}

function openDirect(s: SshSettings, targetName: string, sock?: Duplex): Promise<SshClient> {
  const where = `${s.user}@${s.host}:${s.port}`;
  const name = lookupName(s.host, s.port);
  const entries = s.hostKeyCheck === false ? [] : loadKnownHosts(s.knownHosts);
  let hostKeyError: TransportError | undefined;

  const hostVerifier = (key: Buffer): boolean => {
    if (s.hostKeyCheck === false) return true;
    const verdict = checkHostKey(entries, name, key);
    const offered = `${blobKeyType(key)} ${fingerprint(key)}`;
    const files = s.knownHosts.join(', ');
    if (verdict.status === 'known') return true;
    if (verdict.status === 'unknown' && s.hostKeyCheck === 'accept-new') {
      try {
        appendKnownHost(s.knownHosts[0], name, key);
      } catch {
        // like OpenSSH: the key is trusted for this run even if it cannot be recorded
      }
      return true;
    }
    if (verdict.status === 'unknown') {
      hostKeyError = new TransportError('host-key', targetName,
        `host key of ${name} is not in known_hosts (${files}); the server offered ${offered}`,
        `Compare ${fingerprint(key)} with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` run on the host, then add it ` +
          `with \`ssh-keyscan -p ${s.port} ${s.host} >> ${s.knownHosts[0]}\`, or set host-key-check: accept-new to trust it on first use.`);
    } else if (verdict.status === 'revoked') {
      hostKeyError = new TransportError('host-key', targetName,
        `host key of ${name} (${offered}) is marked @revoked in ${verdict.entry.file} line ${verdict.entry.line}`,
        'Do not connect: the host presents a revoked key. Re-key the host and update known_hosts.');
    } else {
      const expected = verdict.expected.map((e) => `${e.keyType} ${fingerprint(e.key)} (${e.file} line ${e.line})`);
      hostKeyError = new TransportError('host-key', targetName,
        `HOST KEY MISMATCH for ${name}: the server offered ${offered}, known_hosts expects ${expected.join('; ')}`,
        'Someone may be intercepting the connection, or the host was reinstalled. Check the fingerprint on the host ' +
          `(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub); only if it matches, remove the old entry with ` +
          `\`ssh-keygen -R '${name}' -f ${verdict.expected[0].file}\` and connect again with host-key-check: accept-new.`);
    }
    return false;
  };

  const tried: string[] = [];
  const methods: AnyAuthMethod[] = [
    ...s.keys.map((k): AnyAuthMethod => ({ type: 'publickey', username: s.user, key: k.key })),
    ...(s.agent ? [{ type: 'agent', username: s.user, agent: s.agent } as AnyAuthMethod] : []),
    ...(s.password !== undefined
      ? [
          { type: 'password', username: s.user, password: s.password } as AnyAuthMethod,
          {
            type: 'keyboard-interactive',
            username: s.user,
            prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map(() => s.password ?? '')),
          } as AnyAuthMethod,
        ]
      : []),
  ];
  let serverMethods: string[] = [];
  const authHandler: AuthHandlerMiddleware = (left, _partial, next) => {
    if (left) serverMethods = left;
    while (methods.length > 0) {
      const m = methods.shift()!;
      const family = m.type === 'agent' ? 'publickey' : m.type;
      if (left && !left.includes(family as (typeof left)[number])) continue;
      tried.push(m.type);
      return next(m);
    }
    return next(false as never);
  };

  const preferred = knownKeyTypes(entries, name).flatMap((t) => HOST_KEY_ALGOS[t] ?? []);
  const config: ConnectConfig = {
    host: s.host,
    port: s.port,
    username: s.user,
    readyTimeout: s.connectTimeoutMs,
    keepaliveInterval: KEEPALIVE_MS,
    keepaliveCountMax: 4,
    hostVerifier,
    authHandler,
    ...(sock && { sock }),
    ...(preferred.length > 0 ? { algorithms: { serverHostKey: { prepend: preferred } as never } } : {}),
  };

  return new Promise<SshClient>((resolve, reject) => {
    const client = new Client();
    let settled = false;
    const fail = (err: TransportError) => {
      if (settled) return;
      settled = true;
      client.removeAllListeners('ready');
      client.on('error', () => {});
      client.destroy();
      reject(err);
    };
    client.once('ready', () => {
      settled = true;
      client.removeListener('error', onError);
      client.setNoDelay(true);
      resolve(client);
    });
    const onError = (err: Error & { level?: string; code?: string }) => {
      if (hostKeyError) return fail(hostKeyError);
      if (err.level === 'client-authentication') {
        const accepts = serverMethods.length ? `; the server accepts ${serverMethods.join(', ')}` : '';
        return fail(new TransportError('auth', targetName,
          `authentication as ${s.user} on ${s.host}:${s.port} failed (tried ${tried.join(', ') || 'nothing'}${accepts})`,
          'Check user, password and private-key for this target in the inventory.'));
      }
      fail(connectError(err, where, s, targetName));
    };
    client.on('error', onError);
    client.once('close', () => fail(hostKeyError ?? new TransportError('connect', targetName,
      `${where} closed the connection during the SSH handshake`, 'Check sshd on the host (its logs say why).')));
    try {
      client.connect(config);
      client.setNoDelay(true);
    } catch (err) {
      fail(new TransportError('connect', targetName, `cannot connect to ${where}: ${(err as Error).message}`));
    }
  });
}

function connectError(err: Error & { level?: string; code?: string }, where: string, s: SshSettings, targetName: string) {
  const secs = s.connectTimeoutMs / 1000;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new TransportError('connect', targetName, `connection to ${where} refused`,
        `Check that sshd runs on ${s.host} and listens on port ${s.port}.`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportError('connect', targetName, `cannot resolve host name ${s.host}`,
        'Check the target name or uri in the inventory, and DNS.');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return new TransportError('connect', targetName, `${where} is unreachable (${err.code})`,
        'Check that the host is up and that no firewall blocks the port.');
  }
  if (err.level === 'client-timeout') {
    return new TransportError('connect', targetName, `no SSH handshake with ${where} within ${secs} s (connect-timeout)`,
      'Check that the host is up and that the port is sshd, or raise connect-timeout.');
  }
  if (err.level === 'client-socket') {
    return new TransportError('connect', targetName, `cannot connect to ${where}: ${err.message}`,
      'Check the host, the port and the network.');
  }
  return new TransportError('protocol', targetName, `SSH handshake with ${where} failed: ${err.message}`,
    'The server and regen share no algorithm, or the server is not an SSH server.');
}
