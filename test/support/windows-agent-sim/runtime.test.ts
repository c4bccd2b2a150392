import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASKS_DIR } from '../../../src/tasks/bundle.js';
import { bindParameters, BindError, parseParamBlock, psJsonLine } from './runtime.js';

describe('the simulated PowerShell runtime', () => {
  it('reads the param block of every shipped task script', () => {
    for (const file of readdirSync(TASKS_DIR).filter((f) => f.endsWith('.ps1'))) {
      const params = parseParamBlock(readFileSync(path.join(TASKS_DIR, file), 'utf8'));
      expect(params.map((p) => p.name), file).toEqual(expect.arrayContaining(['_noop', '_installdir']));
    }
    const service = parseParamBlock(readFileSync(path.join(TASKS_DIR, 'service.ps1'), 'utf8'));
    expect(service).toContainEqual({ name: 'timeout', type: 'int', default: 60 });
    expect(service).toContainEqual({ name: 'force_kill', type: 'bool', default: false });
  });

  it('binds values as PowerShell does, and refuses what it cannot convert', () => {
    const declared = parseParamBlock("param(\n  [string]$s,\n  [int]$n = 5,\n  [bool]$b = $false,\n  [string[]]$list,\n  [switch]$_noop\n)\n");
    expect(bindParameters(declared, {})).toEqual({ s: '', n: 5, b: false, list: null, _noop: false });
    expect(bindParameters(declared, { s: true, n: '7', b: 1, list: 'one', _noop: true })).toEqual({ s: 'True', n: 7, b: true, list: ['one'], _noop: true });
    expect(bindParameters(declared, { s: ['a', 'b'], list: ['x', 2] })).toMatchObject({ s: 'a b', list: ['x', '2'] });
    expect(() => bindParameters(declared, { b: 'true' })).toThrow(BindError);
    expect(() => bindParameters(declared, { n: 'ten' })).toThrow(/Cannot convert value "ten" to type "System.Int32"/);
  });

  it('writes JSON as ConvertTo-RegenJson does: sorted keys, ASCII only, CRLF', () => {
    expect(psJsonLine({ b: 1, a: ['é', { z: true, y: null }] })).toBe('{"a":["\\u00e9",{"y":null,"z":true}],"b":1}\r\n');
  });
});
