// files/json.sh's JSON writer (and params.sh's list parameters) and JSON-array reader under each /bin/sh and awk a 2015 target may have:
// dash or bash --posix (Debian, RHEL), mawk or gawk. Every byte must come back as it went in.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES_DIR } from '../../../src/tasks/bundle.js';
import { tempTree } from './harness.js';

let dir: string;
const shells: Array<[string, string[]]> = [['dash', []], ['bash', ['--posix']]];
const awks = ['mawk', 'gawk'];

beforeAll(() => {
  dir = tempTree('lib');
  for (const awk of awks) {
    mkdirSync(path.join(dir, awk));
    symlinkSync(execFileSync('sh', ['-c', `command -v ${awk}`], { encoding: 'utf8' }).trim(), path.join(dir, awk, 'awk'));
  }
});

afterAll(() => execFileSync('rm', ['-rf', dir]));

/** Runs `body` after sourcing task.sh, json.sh and params.sh, with the given awk first on PATH; returns stdout as bytes. */
function sh(shell: [string, string[]], awk: string, body: string, env: Record<string, string> = {}): Buffer {
  return execFileSync(shell[0], [...shell[1], '-c', `PT__installdir=/nonexistent; for f in task json params; do . "${FILES_DIR}/$f.sh"; done; ${body}`], {
    env: { ...process.env, ...env, PATH: `${path.join(dir, awk)}:${process.env.PATH}` },
  });
}

const every = Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)).join('');
const samples = ['', 'plain', 'with space', every, 'é ✓ 😀 中文', 'trailing\n\n', '\n', '"\\"', 'tab\there', '\u007f\u0001',
  `q'uo"te $(id) \`id\` $HOME \\n`];

for (const shell of shells) {
  for (const awk of awks) {
    describe(`${shell[0]} with ${awk}`, () => {
      it('json_str writes every string as JSON that parses back to the same text', () => {
        for (const s of samples) {
          writeFileSync(path.join(dir, 'in'), s);
          const out = sh(shell, awk, `v=$(cat "${dir}/in"; echo .); json_str "\${v%.}"`).toString('utf8');
          expect(JSON.parse(out), JSON.stringify(s)).toBe(s);
          expect(out).not.toMatch(/[\u0000-\u001f]/);
        }
      });

      it('json_str keeps bytes that are not UTF-8 as they are', () => {
        writeFileSync(path.join(dir, 'raw'), Buffer.from([0x61, 0xff, 0xfe, 0x22, 0x62]));
        const out = sh(shell, awk, `v=$(cat "${dir}/raw"); json_str "$v"`);
        expect(out).toEqual(Buffer.from([0x22, 0x61, 0xff, 0xfe, 0x5c, 0x22, 0x62, 0x22]));
      });

      it('json_lines and json_list turn lines into a JSON array', () => {
        const out = sh(shell, awk, `printf 'a\\n"b"\\n\\\\c\\n' | json_lines; printf ' '; json_list ""; printf ' '; json_list "x$NL y"`);
        expect(out.toString()).toBe('["a","\\"b\\"","\\\\c"] [] ["x"," y"]');
      });

      it('json_array_decode reads JSON arrays of strings, escapes and surrogate pairs included', () => {
        const decode = (json: string) => sh(shell, awk, 'json_array_decode "$J"', { J: json }).toString('utf8');
        const strings = ['a b', `q'uo"te $(id) \`id\``, '\\back\\', 'é ✓ 😀', '/x/y', '[not, an] array'];
        expect(decode(JSON.stringify(strings))).toBe(`${strings.join('\n')}\n`);
        expect(decode('[ "\\u00e9\\ud83d\\ude00" ,"\\/\\"\\\\" ]')).toBe('é😀\n/"\\\n');
        expect(decode('[]')).toBe('');
        expect(decode(' [\n"a"\n]\n')).toBe('a\n');
      });

      it('json_array_decode refuses what is not an array of non-empty strings without control characters', () => {
        for (const bad of ['', 'x', '["a"', '["a",]', '["a" "b"]', '[1]', '[""]', '["a\\nb"]', '["\\u0000"]', '["a"] x', '["\\q"]']) {
          expect(() => sh(shell, awk, 'json_array_decode "$J" >/dev/null 2>&1', { J: bad }), bad).toThrow();
        }
      });

      it('param_list reads a JSON array or a bare string, and fails with a regen/bad-param error', () => {
        const list = sh(shell, awk, 'param_list p "[]"; printf "%s|" $p', { PT_p: '["/a b","/c"]' }).toString();
        expect(list).toBe('/a b|/c|');
        expect(sh(shell, awk, 'param_list p "[]"; printf "%s|" $p', { PT_p: '/single' }).toString()).toBe('/single|');
        expect(sh(shell, awk, 'param_list p \'["/d"]\'; printf "%s|" $p').toString()).toBe('/d|');
        let out = '';
        try {
          sh(shell, awk, 'param_list p "[]"', { PT_p: '["a",' });
        } catch (e) {
          out = String((e as { stdout: Buffer }).stdout);
        }
        expect(JSON.parse(out)._error).toMatchObject({ kind: 'regen/bad-param', details: { param: 'p', value: '["a",' } });
      });
    });
  }
}
