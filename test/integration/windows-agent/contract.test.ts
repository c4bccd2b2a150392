// The contract of the PowerShell tasks on a (simulated) Windows agent over WinRM: guards refuse
// unsafe paths before anything changes, no-op changes nothing, a non-elevated session is
// refused clearly, parameters arrive byte for byte, and the payload must be regen's own.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target, TargetConfig } from '../../../src/inventory/types.js';
import { profileTaskParameters } from '../../../src/profiles/index.js';
import { buildInvocation } from '../../../src/tasks/invocation.js';
import { Site, SSLDIR, windowsImplementation, type WindowsHost } from './helpers.js';

describe('PowerShell task contract on a Windows agent over WinRM', () => {
  let site: Site;
  let win: WindowsHost;
  beforeAll(async () => {
    site = new Site();
    win = await site.agent('win2.example.com');
  });
  afterAll(async () => {
    await site?.close();
  });

  it.each([
    ['C:\\', 'root'],
    ['C:\\Windows\\System32', 'outside-roots'],
    ['C:\\ProgramData\\PuppetLabs', 'outside-roots'],
    ['ProgramData\\PuppetLabs\\puppet\\etc\\ssl', 'relative'],
    ['\\\\server\\share\\ssl', 'relative'],
    ['C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl\\..\\..\\..\\..\\Windows', 'dot-component'],
    ['C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl:stream', 'bad-character'],
    ['', 'empty'],
  ])('clear_dir refuses %j (%s) and touches nothing', async (p, rule) => {
    const before = readdirSync(win.file(SSLDIR)).sort();
    const run = await win.run('clear_dir', { path: p });
    expect(run.exitCode).toBe(1);
    expect(run.out._error).toMatchObject({ kind: 'regen/guard', details: { param: 'path', rule } });
    expect(readdirSync(win.file(SSLDIR)).sort()).toEqual(before);
  });

  it('refuses to clear through a junction pointing out of the allowed roots', async () => {
    const outside = win.file('C:\\Windows\\System32\\config');
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'SAM'), 'precious');
    symlinkSync(outside, win.file('C:\\ProgramData\\PuppetLabs\\puppet\\etc\\linked'));
    const run = await win.run('clear_dir', { path: 'C:\\ProgramData\\PuppetLabs\\puppet\\etc\\linked\\x' });
    expect(run.out._error).toMatchObject({ kind: 'regen/guard', details: { rule: 'link' } });
    const direct = await win.run('clear_dir', { path: 'C:\\ProgramData\\PuppetLabs\\puppet\\etc\\linked' });
    expect(direct.out._error).toMatchObject({ kind: 'regen/guard', details: { rule: 'link' } });
    expect(existsSync(path.join(outside, 'SAM'))).toBe(true);
  });

  it('takes its Windows values from the profile\'s windows: section, and explicit ones win', async () => {
    const run = await win.run('clear_dir', { path: 'C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl', allowed_roots: ['D:\\Other'] });
    expect(run.out._error).toMatchObject({ kind: 'regen/guard', details: { rule: 'outside-roots', allowed_roots: ['D:\\Other'] } });
    const dry = await win.run('clear_dir', { path: SSLDIR }, true);
    expect(dry).toMatchObject({ exitCode: 0, out: { noop: true, path: SSLDIR } });
    // An inventory override of the profile moves the backup: the task has no Windows default of its own.
    const target: Target = {
      name: 'win2.example.com', host: 'win2.example.com', alias: [], facts: {}, groups: ['all'],
      vars: { profile_overrides: { backup_dir: 'D:\\Backups\\regen' } }, config: { transport: 'winrm' } as TargetConfig,
    };
    const impl = windowsImplementation('backup');
    const params = { paths: [SSLDIR] };
    const moved = await win.runExactly(impl, { ...profileTaskParameters(impl.task, target, params), ...params }, true);
    expect(moved.out.archive).toMatch(/^D:\\Backups\\regen\\regen-backup-/);
  });

  it('fails naming the parameter when a value the profile owns is missing, instead of guessing one', async () => {
    const before = readdirSync(win.file(SSLDIR), { recursive: true }).length;
    const exactly = (task: string, params: Record<string, unknown>) => win.runExactly(windowsImplementation(task), params);
    const roots = await exactly('clear_dir', { path: SSLDIR });
    expect(roots).toMatchObject({ exitCode: 1, out: { _error: { kind: 'regen/guard', details: { param: 'path', rule: 'no-roots', allowed_roots: [] } } } });
    for (const [task, params, missing] of [
      ['backup', { paths: [SSLDIR] }, 'backup_dir'],
      ['puppet_run', {}, 'puppet'],
      ['facts', { disk_paths: [] }, 'puppet'],
    ] as const) {
      const run = await exactly(task, params);
      expect(run, task).toMatchObject({ exitCode: 1, out: { _error: { kind: 'regen/bad-param', details: { param: missing } } } });
      expect(run.out._error.msg).toContain(`windows: section of the target's profile`);
    }
    expect(readdirSync(win.file(SSLDIR), { recursive: true }).length).toBe(before);
    expect(existsSync(win.file('C:\\ProgramData\\PuppetLabs\\regen\\backups'))).toBe(false);
  });

  it('honours _noop in every destructive task', async () => {
    const catalog = 'C:\\ProgramData\\PuppetLabs\\puppet\\var\\client_data\\catalog\\win2.example.com.json';
    const calls = win.agent.calls.length;
    const before = readdirSync(win.file(SSLDIR), { recursive: true }).length;
    expect((await win.run('clear_dir', { path: SSLDIR }, true)).out.noop).toBe(true);
    expect((await win.run('remove_file', { path: catalog }, true)).out).toMatchObject({ noop: true, removed: true, type: 'file' });
    expect((await win.run('service', { name: 'pe-puppet', action: 'stop' }, true)).out).toMatchObject({ noop: true, before: 'running', after: 'stopped', changed: true });
    expect((await win.run('puppet_run', {}, true)).out).toMatchObject({ noop: true, command: 'puppet agent --test --detailed-exitcodes --waitforcert 0' });
    const backup = await win.run('backup', { paths: [SSLDIR] }, true);
    expect(backup.out.noop).toBe(true);
    expect(backup.out.verified).toBeUndefined();
    expect(existsSync(win.file(backup.out.archive))).toBe(false);
    expect(readdirSync(win.file(SSLDIR), { recursive: true }).length).toBe(before);
    expect(existsSync(win.file(catalog))).toBe(true);
    expect(win.agent.serviceState('pe-puppet')).toBe('running');
    expect(win.agent.calls.slice(calls).map((c) => c.noop)).toEqual([true, true, true, true, true]);
  });

  it('refuses to run without an elevated administrator token, saying so', async () => {
    win.agent.elevated = false;
    try {
      for (const task of ['facts', 'clear_dir', 'service']) {
        const run = await win.run(task, { path: SSLDIR, name: 'pe-puppet' });
        expect(run.exitCode).toBe(1);
        expect(run.out._error).toMatchObject({ kind: 'regen/not-elevated', details: { task } });
        expect(run.out._error.msg).toContain('elevated administrator');
      }
    } finally {
      win.agent.elevated = true;
    }
    expect(existsSync(win.file(`${SSLDIR}\\certs\\win2.example.com.pem`))).toBe(true);
  });

  it('delivers quotes, &|<>^% and non-ASCII in parameters intact', async () => {
    const label = `it's "x" & | < > ^ %PATH% é ✓`;
    const run = await win.run('backup', { paths: [SSLDIR], label });
    expect(run.exitCode).toBe(1);
    expect(run.out._error).toMatchObject({ kind: 'regen/bad-param', details: { param: 'label', value: label } });
    expect(run.stdout).toMatch(/^[\x20-\x7e]+\r\n$/);
  });

  it('reports a parameter PowerShell cannot bind as a task exception', async () => {
    const run = await win.run('service', { name: 'pe-puppet', action: 'stop', force_kill: 'yes' });
    expect(run.exitCode).toBe(1);
    expect(run.out._error.kind).toBe('regen/task-exception');
    expect(run.out._error.msg).toContain("parameter 'force_kill'");
    expect(win.agent.serviceState('pe-puppet')).toBe('running');
  });

  it('fails when the metadata does not deliver a library the script dot-sources', async () => {
    const impl = windowsImplementation('clear_dir');
    impl.files = impl.files.filter((f) => !f.installPath.endsWith('fs.ps1'));
    const run = await win.run('clear_dir', { path: SSLDIR }, false, impl);
    expect(run.exitCode).toBe(1);
    expect(run.out._error).toMatchObject({ kind: 'regen/task-exception' });
    expect(run.out._error.msg).toContain('fs.ps1');
  });

  it('runs nothing but the fixed PowerShell bootstrap', async () => {
    const inv = buildInvocation(windowsImplementation('facts'), {}, { dryRun: false });
    const res = await win.conn.exec(`cmd.exe /c ${inv.command}`, { stdin: inv.stdin });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('is not recognized');
    const command = win.server.log.filter((e) => e.kind === 'Command').map((e) => e.commandLine ?? '');
    expect(command.some((c) => /label|pe-puppet|it's/.test(c))).toBe(false);
  });
});
