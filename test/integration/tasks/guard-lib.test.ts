// files/guard.sh's contract under dash and bash --posix: a helper that yields a value sets only the
// variable named in its first argument (nothing else a task could read by accident), and find_scope
// prints the find(1) options chown and chmod select their entries with.
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES_DIR } from '../../../src/tasks/bundle.js';
import { tempTree } from './harness.js';

let dir: string;
beforeAll(() => {
  dir = realpathSync(tempTree('guard-lib'));
  mkdirSync(path.join(dir, 'root/ssl'), { recursive: true });
  symlinkSync(path.join(dir, 'root/ssl'), path.join(dir, 'root/link'));
  writeFileSync(path.join(dir, 'root/ssl/ca.pem'), 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` after sourcing the libraries; the shell's variables (but the library's _ ones) before and after. */
function sh(shell: string[], body: string): { stdout: string; before: string[]; after: string[] } {
  const vars = `set | grep -E '^[A-Za-z][A-Za-z0-9_]*=' | grep -v '^_' | cut -d= -f1 | sort`;
  const script = `PT__installdir=/nonexistent; for f in task json params guard; do . "${FILES_DIR}/$f.sh"; done
    ${vars} >"$D/before"; ${body}; ${vars} >"$D/after"`;
  const stdout = execFileSync(shell[0], [...shell.slice(1), '-c', script], { env: { ...process.env, D: dir }, encoding: 'utf8' });
  const read = (f: string) => execFileSync('cat', [path.join(dir, f)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return { stdout, before: read('before'), after: read('after') };
}

/** The {_error} a body that must fail the task printed. */
function failure(shell: string[], body: string): Record<string, unknown> {
  try {
    sh(shell, body);
  } catch (e) {
    return JSON.parse(String((e as { stdout: string }).stdout))._error;
  }
  throw new Error(`${body} did not fail`);
}

for (const shell of [['dash'], ['bash', '--posix']]) {
  describe(`guard.sh under ${shell.join(' ')}`, () => {
    it('guard_path, check_path and resolve set only the variable they are given', () => {
      const run = sh(shell, `guard_path target path "$D/root/link/x.pem" "$D/root"; check_path plain p "$D/root/ssl///"; ` +
        `resolve real "$D/root/link"; printf '%s|%s|%s' "$target" "$plain" "$real"`);
      expect(run.stdout).toBe(`${dir}/root/ssl/x.pem|${dir}/root/ssl|${dir}/root/ssl`);
      expect(run.after.filter((v) => !run.before.includes(v)).sort()).toEqual(['plain', 'real', 'target']);
    });

    it('tree_target refuses what does not exist (or is no directory for contents), and find_scope selects the path, its entries or the tree', () => {
      expect(sh(shell, `tree_target t path "$D/root/ssl" "$D/root" true; printf '%s' "$t"`).stdout).toBe(`${dir}/root/ssl`);
      expect(failure(shell, `tree_target t path "$D/root/gone" "$D/root" false`)).toMatchObject({ kind: 'regen/not-found' });
      expect(failure(shell, 'tree_target t path "$D/root/ssl/ca.pem" "$D/root" true')).toMatchObject({ kind: 'regen/not-a-directory' });
      const scope = (contents: string, recursive: string) => sh(shell, `find_scope ${contents} ${recursive} | tr '\\n' ' '`).stdout;
      expect([scope('false', 'false'), scope('true', 'false'), scope('false', 'true'), scope('true', 'true')])
        .toEqual(['-maxdepth 0 ', '-mindepth 1 -maxdepth 1 ', '', '-mindepth 1 ']);
    });
  });
}
