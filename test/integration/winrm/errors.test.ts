// Failures to reach or talk to a target: each is a TransportError of the right kind with a
// message naming target, step and what to do, and the password appears nowhere.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '../../../src/transports/types.js';
import { startWsmanServer, type WsmanServer } from '../../support/wsman-server/index.js';
import { makeTestPki, type TestPki } from '../../support/wsman-server/tls.js';
import { connect, errorText, PASSWORD, rejectionOf, USER, USERS } from './helpers.js';

describe('WinRM errors', () => {
  let pki: TestPki;
  let http: WsmanServer;
  let https: WsmanServer;
  beforeAll(async () => {
    pki = makeTestPki();
    http = await startWsmanServer({ users: USERS });
    https = await startWsmanServer({ users: USERS, tls: { key: pki.key, cert: pki.cert } });
  });
  afterAll(async () => {
    await http?.stop();
    await https?.stop();
    pki?.remove();
  });

  it.each([
    ['ntlm over HTTP', () => http, { ssl: false, auth: 'ntlm' as const }],
    ['ntlm over HTTPS', () => https, { auth: 'ntlm' as const }],
    ['basic over HTTPS', () => https, { auth: 'basic' as const }],
  ])('a wrong password (%s) is an auth error naming the user, with no secret anywhere', async (_, server, config) => {
    const wrong = 'Wr0ng&"Secret"<1>';
    const err = await rejectionOf(connect(server(), { ...config, cacert: pki.caCertPath, password: wrong }));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe('auth');
    expect(err.targetName).toBe('win-agent-1');
    expect(err.message).toMatch(/win-agent-1: WinRM create shell at https?:\/\/127\.0\.0\.1:\d+\/wsman failed: user 'Administrator' was refused \(HTTP 401/);
    expect(err.hint).toMatch(/winrm\.password/);
    for (const secret of [wrong, PASSWORD, Buffer.from(`${USER}:${wrong}`).toString('base64')]) {
      expect(errorText(err)).not.toContain(secret);
      expect(JSON.stringify(server().log)).not.toContain(secret);
    }
  });

  it('an unknown user is refused the same way', async () => {
    const err = await rejectionOf(connect(http, { ssl: false, user: 'CORP\\nobody' }));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain(`user 'CORP\\nobody' was refused`);
  });

  it('HTTPS with the right cacert works, over NTLM (with channel bindings) and Basic', async () => {
    for (const auth of ['ntlm', 'basic'] as const) {
      const conn = await connect(https, { auth, cacert: pki.caCertPath });
      expect(await conn.exec('echo secure')).toMatchObject({ stdout: 'secure\r\n', exitCode: 0 });
      await conn.close();
    }
    expect(https.log.filter((e) => e.kind === 'Create').every((e) => e.tls && !e.encrypted)).toBe(true);
  });

  it('HTTPS with the wrong CA is a TLS error; without cacert the unknown CA is refused too', async () => {
    for (const cacert of [pki.otherCaCertPath, undefined]) {
      const err = await rejectionOf(connect(https, { cacert }));
      expect(err.kind).toBe('tls');
      expect(err.message).toMatch(/TLS handshake failed: .*(certificate|issuer)/i);
      expect(err.hint).toMatch(/winrm\.cacert/);
    }
  });

  it('HTTPS to an address the certificate does not name is a TLS error', async () => {
    const elsewhere = await startWsmanServer({ users: USERS, host: '127.0.0.2', tls: { key: pki.key, cert: pki.cert } });
    try {
      const err = await rejectionOf(connect(elsewhere, { cacert: pki.caCertPath }));
      expect(err.kind).toBe('tls');
      expect(err.message).toMatch(/127\.0\.0\.2.*(altnames|match)/i);
    } finally {
      await elsewhere.stop();
    }
  });

  it('ssl-verify: false accepts the certificate without checking it', async () => {
    const conn = await connect(https, { cacert: pki.otherCaCertPath, 'ssl-verify': false });
    expect((await conn.exec('echo unchecked')).stdout).toBe('unchecked\r\n');
    await conn.close();
  });

  it('HTTPS against a plain HTTP listener is a TLS error', async () => {
    const err = await rejectionOf(connect(http, { ssl: true }));
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(/plain HTTP listener\?/);
  });

  it('a refused port is a connect error', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const err = await rejectionOf(connect({ ...http, port } as WsmanServer, { ssl: false }));
    expect(err.kind).toBe('connect');
    expect(err.message).toMatch(/cannot connect: connection refused .*\(ECONNREFUSED\)/);
    expect(err.hint).toMatch(/winrm\.port/);
  });

  it('Basic over plain HTTP is refused before anything is sent', async () => {
    const before = http.log.length;
    const err = await rejectionOf(connect(http, { ssl: false, auth: 'basic' }));
    expect(err.message).toMatch(/clear text/);
    expect(http.log.length).toBe(before);
  });

  it('a SOAP fault is a protocol error carrying the fault text', async () => {
    const denied = await startWsmanServer({
      users: USERS,
      inject: ({ action }) =>
        action === 'Create' ? { subcode: 'w:AccessDenied', code: '5', reason: 'Access is denied.' } : undefined,
    });
    try {
      const err = await rejectionOf(connect(denied, { ssl: false }));
      expect(err.kind).toBe('protocol');
      expect(err.message).toMatch(/WinRM create shell .* failed with a SOAP fault: Access is denied\. \[w:AccessDenied, code 5\]/);
      expect(err.hint).toMatch(/administrator on the target.*LocalAccountTokenFilterPolicy/);
    } finally {
      await denied.stop();
    }
  });

  it('a fault while a command runs names the command', async () => {
    const faulty = await startWsmanServer({
      users: USERS,
      inject: ({ action, commandLine }) =>
        action === 'Command' && commandLine?.includes('boom') ? { subcode: 'w:InternalError', code: '1726', reason: 'The remote procedure call failed.' } : undefined,
    });
    try {
      const conn = await connect(faulty, { ssl: false });
      const err = await rejectionOf(conn.exec('echo boom'));
      expect(err.kind).toBe('protocol');
      expect(err.message).toContain('WinRM start command for `echo boom`');
      expect(err.message).toContain('The remote procedure call failed.');
      await conn.close();
    } finally {
      await faulty.stop();
    }
  });
});
