import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { load, problems, yaml } from '../../test/inventory/helpers.js';
import { quickDocument } from './fastyaml.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const full = (text: string) => parse(text, { uniqueKeys: false, merge: false, logLevel: 'silent' }) as unknown;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : p.endsWith('.yaml') ? [p] : [];
  });
}

describe('the quick read of an inventory', () => {
  it('gives the values the full read gives, for every scalar form of the core schema', () => {
    const forms = [
      '0o17', '0x1F', '0b101', '1_000', '010', '+1', '-7', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '~', 'null', 'Null',
      'NULL', '', 'Yes', 'on', 'off', 'y', 'True', 'TRUE', 'tRue', 'false', '1e3', '1.5e-3', '-.5', '.5', '5.', '+12.5',
      '1E+3', '12:30', '2020-01-01', '+0x1', '-0x1', '0o8', '00', '1.0', "'true'", '"0x1F"', '"\\x41\\t"', 'a b # c',
      '!!str 12', '!!int 3', '!!float 1', '!!bool yes', '!!binary aGk=', '!custom x', '=', '<<', '9007199254740993',
    ];
    let quick = 0;
    for (const form of forms) {
      const text = `k: ${form}\nlist: [${form || '~'}]\n`;
      const doc = quickDocument(text);
      if (!doc) continue; // left to the full read
      quick++;
      expect(doc.toJS(), form).toEqual(full(text));
    }
    expect(quick).toBeGreaterThan(forms.length - 8);
  });

  it('leaves to the full read what it could read differently: duplicate keys, directives, explicit keys, tags it lacks', () => {
    expect(quickDocument('a: 1\na: 2\n')).toBeUndefined();
    expect(quickDocument('%YAML 1.1\n---\nk: yes\n')).toBeUndefined();
    expect(quickDocument('? [a, b]\n: c\n')).toBeUndefined();
    expect(quickDocument('[a, b]: c\n')).toBeUndefined();
    expect(quickDocument('k: !custom x\n')).toBeUndefined();
    expect(quickDocument('a: 1\n---\nb: 2\n')).toBeUndefined();
    expect(quickDocument('k: [unclosed\n')).toBeUndefined();
  });

  it("reads the project's inventories, the Bolt corpus and the test fixtures as the full read does", () => {
    const files = [join(ROOT, 'inventory.example.yaml'), ...yamlFiles(join(ROOT, 'test/inventory/bolt-corpus')), ...yamlFiles(join(ROOT, 'test/fixtures'))];
    let compared = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const doc = quickDocument(text);
      if (!doc) continue;
      compared++;
      expect(doc.toJS(), file).toEqual(full(text));
    }
    expect(compared).toBeGreaterThan(5);
  });

  it('a key the full read takes as a boolean or null sends the file to the full read, which refuses it with its line', () => {
    expect(problems(() => load(yaml`
      targets:
        - name: web1.example.com
          vars:
            true: x
    `))).toEqual(['inventory.yaml:4:7: targets[0].vars: keys must be plain names']);
  });

  it('an error found while resolving a quickly read inventory names its line, and a prompt answered is not asked again', () => {
    const asked: string[] = [];
    const inv = load(yaml`
      groups:
        - name: win
          config:
            transport: winrm
            winrm: { user: Administrator, password: { _plugin: prompt, message: WinRM password } }
          targets: [win1.example.com]
        - name: linux
          config:
            ssh: { password: { _plugin: env_var, var: REGEN_UNSET_PASSWORD } }
          targets: [web1.example.com]
    `, { prompt: (m) => (asked.push(m), 'pw') });
    expect(problems(() => inv.resolve(['win1.example.com', 'web1.example.com']))).toEqual([
      "inventory.yaml:9:24: groups[1].config.ssh.password: environment variable REGEN_UNSET_PASSWORD is not set " +
        "(export it, or give the plugin a 'default' or 'optional: true') (env_var REGEN_UNSET_PASSWORD)",
    ]);
    expect(asked).toEqual(['WinRM password']);
  });
});
