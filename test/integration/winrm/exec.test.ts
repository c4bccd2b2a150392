// regen's WinRM client against the WS-Management test server: output, exit codes, encodings
// and stdin, i.e. the faults listed in the WinRM issue for the winrm-client package.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/transports/types.js';
import { startWsmanServer, type WsmanServer } from '../../support/wsman-server/index.js';
import { connect, USERS } from './helpers.js';

describe('WinRM exec (NTLM over HTTP, sealed)', () => {
  let server: WsmanServer;
  let conn: Connection;
  beforeAll(async () => {
    // 7-byte Receives split every multi-byte character somewhere; 300 ms operation timeout.
    server = await startWsmanServer({ users: USERS, chunkBytes: 7, operationTimeoutMs: 300 });
    conn = await connect(server, { ssl: false });
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });
  const entries = (from: number) => server.log.slice(from);

  it('reports the powershell shell and opens one UTF-8 shell without profile', () => {
    expect(conn.shell).toBe('powershell');
    const create = server.log.find((e) => e.kind === 'Create')!;
    expect(create.options).toMatchObject({ WINRS_CODEPAGE: '65001', WINRS_NOPROFILE: 'TRUE' });
    expect(create.encrypted).toBe(true);
  });

  it('assembles output split over many Receives with Running states', async () => {
    const from = server.log.length;
    const res = await conn.exec('repeat 40 0123456789 ; echo end ; echoerr warn');
    expect(res).toMatchObject({ stdout: `${'0123456789'.repeat(40)}end\r\n`, stderr: 'warn\r\n', exitCode: 0, timedOut: false });
    expect(entries(from).filter((e) => e.kind === 'Receive').length).toBeGreaterThan(50);
  });

  it('returns a non-zero exit code as the result, not as an error', async () => {
    const res = await conn.exec('echoerr failed ; exit 3');
    expect(res).toMatchObject({ stdout: '', stderr: 'failed\r\n', exitCode: 3, timedOut: false });
    expect((await conn.exec('unknowncmd')).exitCode).toBe(1);
  });

  it('round-trips non-ASCII output split inside characters', async () => {
    const text = 'é中😀 Zürich 東京 🎉';
    expect((await conn.exec(`print ${text}`)).stdout).toBe(text);
    expect((await conn.exec('cat', { stdin: text })).stdout).toBe(text);
  });

  it('keeps base64 chunks made only of digits (or digits and e) as text', async () => {
    // '4424' is the base64 of U+3378 (㍸); six in one chunk are 24 digits, beyond a double's precision.
    const digits = '442444244424442444244424';
    expect((await conn.exec(`emit stdout ${digits}`)).stdout).toBe('㍸'.repeat(6));
    for (const chunk of ['0012', '12e4', '0000']) {
      const res = await conn.exec(`emit stdout ${chunk} ; emit stderr ${chunk}`);
      expect(Buffer.from(res.stdout)).toEqual(Buffer.from(Buffer.from(chunk, 'base64').toString('utf8')));
      expect(res.stderr).toBe(res.stdout);
    }
  });

  it('passes quotes and & | < > ^ % intact on stdin and on the command line', async () => {
    const special = `"double" 'single' & | < > ^ % %PATH% !x! \`t $env:X ; \\ \r\n`;
    expect((await conn.exec('cat', { stdin: special })).stdout).toBe(special);
    const from = server.log.length;
    const line = `echo "a&b|c<d>e^f%g'h"`;
    expect((await conn.exec(line)).stdout).toBe(`"a&b|c<d>e^f%g'h"\r\n`);
    const command = entries(from).find((e) => e.kind === 'Command')!;
    expect(command.commandLine).toBe(line);
    expect(command.options).toEqual({ WINRS_CONSOLEMODE_STDIN: 'TRUE', WINRS_SKIP_CMD_SHELL: 'FALSE' });
  });

  it('sends large stdin in several Sends, End only on the last, and no length limit', async () => {
    const data = Buffer.alloc(300 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
    const from = server.log.length;
    const res = await conn.exec('stdin-sha256', { stdin: data });
    expect(res.stdout).toBe(`${createHash('sha256').update(data).digest('hex')} ${data.length}\r\n`);
    const sends = entries(from).filter((e) => e.kind === 'Send');
    expect(sends.length).toBeGreaterThan(1);
    expect(sends.map((e) => e.stdinEnd)).toEqual([...sends.slice(1).map(() => false), true]);
    expect(sends.reduce((n, e) => n + e.stdinBytes!, 0)).toBe(data.length);
  });

  it('sends End even without stdin, so a reader of stdin finishes', async () => {
    const from = server.log.length;
    expect(await conn.exec('cat')).toMatchObject({ stdout: '', exitCode: 0 });
    expect(entries(from).filter((e) => e.kind === 'Send').map((e) => e.stdinEnd)).toEqual([true]);
  });

  it('keeps receiving when a silent command outlasts the operation timeout', async () => {
    const from = server.log.length;
    const res = await conn.exec('sleep 1000 ; echo finally');
    expect(res).toMatchObject({ stdout: 'finally\r\n', exitCode: 0, timedOut: false });
    expect(entries(from).some((e) => e.kind === 'Receive' && e.fault === 'w:TimedOut')).toBe(true);
  });

  it('reuses one shell for every exec, runs concurrent execs one at a time, and terminates each command', async () => {
    const from = server.log.length;
    const results = await Promise.all([1, 2, 3, 4].map((n) => conn.exec(`print ${n} ; sleep 50 ; print ${n}`)));
    expect(results.map((r) => r.stdout)).toEqual(['11', '22', '33', '44']);
    const seen = entries(from);
    expect(seen.filter((e) => e.kind === 'Create')).toHaveLength(0);
    const commands = seen.filter((e) => e.kind === 'Command' || e.kind === 'Signal').map((e) => e.kind);
    expect(commands).toEqual(['Command', 'Signal', 'Command', 'Signal', 'Command', 'Signal', 'Command', 'Signal']);
    expect(server.log.filter((e) => e.kind === 'Create')).toHaveLength(1);
    expect(seen.filter((e) => e.kind !== 'auth').every((e) => e.encrypted)).toBe(true);
  });
});
