// The POSIX task bundle's metadata and scripts: Bolt's schema and rules, defaults that agree with the
// scripts, and scripts that parse under dash and bash --posix (the /bin/sh of Debian and RHEL).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { profileTaskParameters } from '../../../src/profiles/index.js';
import { BUNDLE_ROOT, FILES_DIR, TASKS_DIR } from '../../../src/tasks/bundle.js';
import { loadTasks } from '../../../src/tasks/load.js';
import { readSchema } from '../../support/schemas.js';
import { sourcedLibraries } from './harness.js';

// The atomic tasks of the procedure (other POSIX tasks, e.g. plan checks, live beside them).
const shTasks = ['backup', 'ca_regenerate', 'cert_clean', 'cert_generate', 'cert_info', 'cert_list', 'cert_sign', 'csr_wait',
  'chmod', 'chown', 'clear_dir', 'copy_file', 'copy_keypair', 'facts', 'puppet_run', 'remove_file', 'restore', 'service'];
const libs = ['task.sh', 'json.sh', 'params.sh', 'guard.sh', 'fs.sh', 'manifest.sh', 'pki.sh', 'puppet.sh'];

describe('POSIX task metadata', () => {
  it('has every task of the procedure, each with NAME.json and NAME.sh', () => {
    const present = readdirSync(TASKS_DIR);
    for (const name of shTasks) expect(present).toEqual(expect.arrayContaining([`${name}.sh`, `${name}.json`]));
  });

  it('validates against the Puppet task schema and the loader (Bolt rules), every task of the bundle', () => {
    const ajv = new Ajv({ strict: false });
    const schema = readSchema('puppet-task.schema.json');
    delete schema.$schema;
    const validate = ajv.compile(schema);
    const all = readdirSync(TASKS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    expect(all).toEqual(expect.arrayContaining(shTasks));
    for (const name of all) {
      const meta = JSON.parse(readFileSync(path.join(TASKS_DIR, `${name}.json`), 'utf8'));
      expect(validate(meta), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    const tasks = loadTasks();
    for (const name of shTasks) expect(tasks.has(name)).toBe(true);
  });

  it('declares typed, described parameters, no-op support and the shell implementation with task.sh first', () => {
    for (const name of shTasks) {
      const meta = JSON.parse(readFileSync(path.join(TASKS_DIR, `${name}.json`), 'utf8'));
      expect(meta.supports_noop, name).toBe(true);
      expect(meta.input_method, name).toBe('environment');
      for (const [param, spec] of Object.entries<Record<string, unknown>>(meta.parameters)) {
        expect(param).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(typeof spec.type, `${name}.${param}`).toBe('string');
        expect(String(spec.description).length, `${name}.${param}`).toBeGreaterThan(10);
      }
      const impl = meta.implementations.find((i: { name: string }) => i.name === `${name}.sh`);
      expect(impl.requirements).toEqual(['shell']);
      expect(impl.files[0]).toBe('regen/files/task.sh');
      // Every library the script sources is delivered with it.
      const script = readFileSync(path.join(TASKS_DIR, `${name}.sh`), 'utf8');
      const sourced = sourcedLibraries(script);
      expect([...impl.files].sort(), name).toEqual([...sourced].sort());
    }
  });

  it('has destructive tasks that take allowed_roots with no default of their own: the profile gives them, inside PE 3.7 dirs', () => {
    const profiled = (task: string) => profileTaskParameters({ name: task, metadataPath: '', metadata: JSON.parse(readFileSync(path.join(TASKS_DIR, `${task}.json`), 'utf8')) }, undefined);
    for (const name of ['clear_dir', 'remove_file', 'copy_file', 'copy_keypair', 'chown', 'chmod', 'restore']) {
      const meta = JSON.parse(readFileSync(path.join(TASKS_DIR, `${name}.json`), 'utf8'));
      const roots = meta.parameters.allowed_roots;
      expect(roots.type, name).toBe('Array[String[1]]');
      expect(roots.default, name).toBeUndefined();
      const given = profiled(name).allowed_roots as string[];
      expect(given.length, name).toBeGreaterThan(0);
      for (const r of given) expect(r).toMatch(/^\/(etc\/puppetlabs|opt\/puppet\/|var\/opt\/lib\/pe-puppet)/);
    }
  });

  it('documents the same defaults the scripts fall back to', () => {
    // Each `param NAME DEFAULT` / `param_list` / `param_bool` line, evaluated after sourcing task.sh, json.sh and params.sh.
    for (const name of shTasks) {
      const meta = JSON.parse(readFileSync(path.join(TASKS_DIR, `${name}.json`), 'utf8'));
      const script = readFileSync(path.join(TASKS_DIR, `${name}.sh`), 'utf8');
      for (const m of script.matchAll(/^param(_list|_bool)? ([a-z_]+) (.+)$/gm)) {
        const [, kind, param, expr] = m;
        const spec = meta.parameters[param];
        expect(spec, `${name}: script reads undeclared parameter ${param}`).toBeDefined();
        const value = execFileSync('dash', ['-c', `PT__installdir=/nonexistent; . "$1/task.sh"; . "$1/json.sh"; . "$1/params.sh"; printf '%s' ${expr}`,
          'sh', FILES_DIR], { encoding: 'utf8' });
        const scriptDefault = kind === '_list' ? (value === '' ? undefined : JSON.parse(value))
          : kind === '_bool' ? value === 'true' : value;
        if (spec.default === undefined) expect(scriptDefault === undefined || scriptDefault === '', `${name}.${param}`).toBe(true);
        else expect(scriptDefault, `${name}.${param}`).toEqual(typeof spec.default === 'number' ? String(spec.default) : spec.default);
      }
    }
  });

  it('has scripts and libraries that parse under dash and bash --posix', () => {
    const files = [...shTasks.map((n) => path.join(TASKS_DIR, `${n}.sh`)), ...libs.map((f) => path.join(FILES_DIR, f))];
    for (const file of files) {
      execFileSync('dash', ['-n', file]);
      execFileSync('bash', ['--posix', '-n', file]);
    }
    for (const name of shTasks) {
      expect(readFileSync(path.join(TASKS_DIR, `${name}.sh`), 'utf8').startsWith('#!/bin/sh\n'), name).toBe(true);
    }
  });
});
