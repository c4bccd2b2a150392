import { describe, expect, it } from 'vitest';
import { powershellSyntaxProblems } from '../../test/support/powershell-grammar.js';
import { decodePowershellPayload, decodeWrapper } from '../../test/support/powershell-payload.js';
import {
  buildPowershellInvocation,
  POWERSHELL_BOOTSTRAP,
  POWERSHELL_COMMAND,
  psValue,
} from './powershell-invocation.js';
import type { InputMethod, ResolvedImplementation } from './types.js';

const SCRIPT = "param([string]$name, [switch]$_noop, [string]$_installdir)\n. (Join-Path $_installdir 'regen\\files\\common.ps1')\n'é ok'\n";
const COMMON = 'function Write-Result($h) { $h }\n';

function impl(inputMethod: InputMethod = 'powershell', shell: 'posix' | 'powershell' = 'powershell'): ResolvedImplementation {
  return {
    task: { name: 'service', metadata: {}, metadataPath: '/x/tasks/service.json' },
    shell,
    script: { installPath: 'regen/tasks/service.ps1', contents: SCRIPT },
    files: [{ installPath: 'regen/files/common.ps1', contents: COMMON }, { installPath: 'regen/files/data.txt', contents: 'plain' }],
    inputMethod,
  };
}

const TRICKY = {
  quotes: `it's "quoted" ‘smart’ “double”`,
  shell: '& | < > ^ % ! $env:PATH `n ; -- @(x)',
  unicode: 'café 中文 ✓ \u{1F600}',
  lines: 'one\r\ntwo\nthree\t',
  empty: '',
  int: 42,
  negative: -7,
  big: 2 ** 40,
  float: 1.5,
  yes: true,
  no: false,
  list: ['a', "b'c", 3],
  nested: [['only']],
  none: [],
  hash: { "k'ey": 'v', inner: { deep: [1, 2] } },
};

describe('buildPowershellInvocation', () => {
  it('uses one fixed command line that carries no parameter', () => {
    const a = buildPowershellInvocation(impl(), { name: 'pe-puppet', secret: 's3cr3t' }, { dryRun: false });
    const b = buildPowershellInvocation(impl(), TRICKY, { dryRun: true });
    expect(a.command).toBe(POWERSHELL_COMMAND);
    expect(b.command).toBe(POWERSHELL_COMMAND);
    expect(a.command).not.toContain('s3cr3t');
    expect(a.command).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/);
    const encoded = a.command.split(' ').pop() ?? '';
    expect(Buffer.from(encoded, 'base64').toString('utf16le')).toBe(POWERSHELL_BOOTSTRAP);
  });

  it('sends only base64 lines on stdin, with no secret in clear', () => {
    const { stdin } = buildPowershellInvocation(impl(), { name: 'pe-puppet', secret: 's3cr3t' }, { dryRun: false });
    for (const line of stdin.split('\r\n').filter(Boolean)) expect(line).toMatch(/^[A-Za-z0-9+/=]{1,76}$/);
    expect(stdin).not.toContain('s3cr3t');
  });

  it('delivers every parameter intact: quotes, &|<>^%, non-ASCII, numbers, booleans, arrays, hashes', () => {
    const { stdin } = buildPowershellInvocation(impl(), TRICKY, { dryRun: false });
    const decoded = decodePowershellPayload(stdin);
    expect(decoded.params).toEqual({ ...TRICKY, _task: 'service' });
    expect(decoded.noop).toBe(false);
  });

  it('drops absent optional parameters so the script default applies', () => {
    const { stdin } = buildPowershellInvocation(impl(), { name: 'x', gone: undefined, nothing: null }, { dryRun: false });
    expect(decodePowershellPayload(stdin).params).toEqual({ name: 'x', _task: 'service' });
  });

  it('passes _noop only in no-op mode', () => {
    const noop = decodePowershellPayload(buildPowershellInvocation(impl(), { name: 'x' }, { dryRun: true }).stdin);
    expect(noop.noop).toBe(true);
    expect(noop.wrapper).toMatch(/^ {2}'_noop' = \$true$/m);
  });

  it('carries the script and shared files, marking PowerShell scripts as UTF-8 with a BOM', () => {
    const decoded = decodePowershellPayload(buildPowershellInvocation(impl(), {}, { dryRun: false }).stdin);
    expect(decoded.taskPath).toBe('regen/tasks/service.ps1');
    expect(decoded.taskName).toBe('service');
    expect([...decoded.files.keys()].sort()).toEqual(['regen/files/common.ps1', 'regen/files/data.txt', 'regen/tasks/service.ps1']);
    expect(decoded.files.get('regen/tasks/service.ps1')).toBe(SCRIPT);
    expect(decoded.files.get('regen/files/common.ps1')).toBe(COMMON);
    const table = /^ {2}'regen\/tasks\/service\.ps1' = '([^']+)'$/m.exec(decoded.wrapper);
    expect(Buffer.from(table?.[1] ?? '', 'base64').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const plain = /^ {2}'regen\/files\/data\.txt' = '([^']+)'$/m.exec(decoded.wrapper);
    expect(Buffer.from(plain?.[1] ?? '', 'base64').toString()).toBe('plain');
  });

  it('keeps simple values readable in the wrapper and encodes the rest', () => {
    const { wrapper } = decodePowershellPayload(buildPowershellInvocation(impl(), { name: 'pe-puppet', q: "a'b" }, { dryRun: false }).stdin);
    expect(wrapper).toContain("'name' = 'pe-puppet'");
    expect(wrapper).toContain(`'q' = (D '${Buffer.from("a'b").toString('base64')}')`);
  });

  it('sets PT_ variables and pipes JSON for the environment, stdin and both input methods', () => {
    const params = { name: "o'k", count: 3, flags: ['a'] };
    const env = decodePowershellPayload(buildPowershellInvocation(impl('environment'), params, { dryRun: true }).stdin);
    expect(env.env).toEqual({ PT_name: "o'k", PT_count: '3', PT_flags: '["a"]', PT__noop: 'true' });
    expect(env.stdinJson).toBeNull();
    const stdin = decodePowershellPayload(buildPowershellInvocation(impl('stdin'), params, { dryRun: false }).stdin);
    expect(stdin.env).toEqual({});
    expect(JSON.parse(stdin.stdinJson ?? 'null')).toEqual(params);
    const both = decodePowershellPayload(buildPowershellInvocation(impl('both'), params, { dryRun: false }).stdin);
    expect(Object.keys(both.env)).toEqual(['PT_name', 'PT_count', 'PT_flags']);
    expect(JSON.parse(both.stdinJson ?? 'null')).toEqual(params);
  });

  it('produces a bootstrap and wrapper that parse as PowerShell', () => {
    const { stdin } = buildPowershellInvocation(impl('both'), TRICKY, { dryRun: true });
    expect(powershellSyntaxProblems(POWERSHELL_BOOTSTRAP)).toEqual([]);
    expect(powershellSyntaxProblems(decodeWrapper(stdin))).toEqual([]);
  });

  it('refuses what it cannot carry safely', () => {
    expect(() => buildPowershellInvocation(impl('powershell', 'posix'), {}, { dryRun: false })).toThrow(/not a PowerShell implementation/);
    expect(() => buildPowershellInvocation(impl(), { 'bad name': 1 }, { dryRun: false })).toThrow(/parameter name/);
    expect(() => buildPowershellInvocation(impl(), { n: Infinity }, { dryRun: false })).toThrow(/cannot be passed/);
    const evil = impl();
    evil.files = [{ installPath: 'regen/../../x.ps1', contents: '' }];
    expect(() => buildPowershellInvocation(evil, {}, { dryRun: false })).toThrow(/not a plain relative path/);
  });

  it('writes a one-element nested array so PowerShell does not flatten it', () => {
    expect(psValue([['x']])).toBe("@(,@(,'x'))");
    expect(psValue([1, [2, 3]])).toBe('@(1, @(2, 3))');
  });
});
