// Timeouts, cancellation, close and recovery: the command is stopped on the target (Signal
// terminate) and its shell deleted, and the connection keeps working afterwards.
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/transports/types.js';
import { startWsmanServer, type WsmanServer, type WsmanServerOptions } from '../../support/wsman-server/index.js';
import { connect, USERS } from './helpers.js';

const TERMINATE = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate';

describe('WinRM timeouts, cancel and recovery', () => {
  let server: WsmanServer | undefined;
  let conn: Connection | undefined;
  afterEach(async () => {
    await conn?.close();
    await server?.stop();
    conn = server = undefined;
  });
  async function setup(options: Partial<WsmanServerOptions> = {}): Promise<[WsmanServer, Connection]> {
    server = await startWsmanServer({ users: USERS, operationTimeoutMs: 200, ...options });
    conn = await connect(server, { ssl: false });
    return [server, conn];
  }

  it('on timeout, terminates the command, deletes the shell and reports timedOut', async () => {
    const [srv, c] = await setup();
    const res = await c.exec('print partial ; sleep 10000 ; echo never', { timeoutMs: 500 });
    expect(res).toMatchObject({ stdout: 'partial', exitCode: null, timedOut: true });
    const command = srv.log.find((e) => e.kind === 'Command' && e.commandLine?.includes('never'))!;
    const signal = srv.log.find((e) => e.kind === 'Signal' && e.commandId === command.commandId);
    expect(signal?.signalCode).toBe(TERMINATE);
    expect(srv.log.some((e) => e.kind === 'Delete' && e.shellId === command.shellId && e.status === 200)).toBe(true);
    expect(srv.openShells).toBe(0);
    // The connection still works: a new shell is opened for the next command.
    expect(await c.exec('echo again')).toMatchObject({ stdout: 'again\r\n', exitCode: 0 });
    expect(srv.log.filter((e) => e.kind === 'Create')).toHaveLength(2);
  });

  it('on cancel, terminates the command and deletes the shell', async () => {
    const [srv, c] = await setup();
    const abort = new AbortController();
    const running = c.exec('sleep 10000', { signal: abort.signal });
    while (!srv.log.some((e) => e.kind === 'Receive')) await delay(10);
    abort.abort();
    expect(await running).toMatchObject({ exitCode: null, timedOut: false });
    expect(srv.log.some((e) => e.kind === 'Signal' && e.signalCode === TERMINATE)).toBe(true);
    expect(srv.log.some((e) => e.kind === 'Delete')).toBe(true);
    expect(srv.openShells).toBe(0);
  });

  it('does not start a command whose signal is already aborted', async () => {
    const [srv, c] = await setup();
    const res = await c.exec('echo no', { signal: AbortSignal.abort() });
    expect(res.exitCode).toBeNull();
    expect(srv.log.some((e) => e.kind === 'Command')).toBe(false);
  });

  it('close() stops a running command and deletes the shell', async () => {
    const [srv, c] = await setup();
    const running = c.exec('sleep 10000');
    while (!srv.log.some((e) => e.kind === 'Receive')) await delay(10);
    await c.close();
    expect((await running).exitCode).toBeNull();
    expect(srv.log.some((e) => e.kind === 'Signal')).toBe(true);
    expect(srv.openShells).toBe(0);
    await expect(c.exec('echo late')).rejects.toThrow(/closed/);
  });

  it('re-authenticates when the server closed the idle connection', async () => {
    const [srv, c] = await setup();
    expect((await c.exec('echo one')).stdout).toBe('one\r\n');
    srv.dropIdleConnections();
    expect((await c.exec('echo two')).stdout).toBe('two\r\n');
    expect(srv.log.filter((e) => e.kind === 'auth' && e.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(srv.log.filter((e) => e.kind === 'Create')).toHaveLength(1);
  });

  it('opens a new shell when the server no longer knows the old one', async () => {
    let dropped = false;
    const [srv, c] = await setup({
      inject: ({ action, shellId }) => {
        if (action !== 'Command' || dropped) return undefined;
        dropped = true;
        return { subcode: 'w:InvalidSelectors', code: '2150858843', reason: `The shell ${shellId} was not found on the server.` };
      },
    });
    expect(await c.exec('echo recovered')).toMatchObject({ stdout: 'recovered\r\n', exitCode: 0 });
    expect(srv.log.filter((e) => e.kind === 'Create')).toHaveLength(2);
  });
});
