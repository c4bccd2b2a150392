// A throwaway bundle for plan tests: small POSIX tasks in a temp tasks/ dir, plans written by each test,
// local targets, and a run context whose connector can be watched.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Target } from '../../src/inventory/types.js';
import { loadPlan } from '../../src/plans/load.js';
import type { Plan } from '../../src/plans/types.js';
import { PlanLibrary } from '../../src/plans/validate.js';
import { ConnectionPool, type Connector } from '../../src/runner/connections.js';
import { silentReporter, type Reporter } from '../../src/runner/reporter.js';
import { RunLog } from '../../src/runner/run-log.js';
import type { RunContext } from '../../src/runner/run-task.js';
import { loadTasks } from '../../src/tasks/load.js';
import { localTransport } from '../../src/transports/local.js';

interface TestTask {
  params: Record<string, { type: string; sensitive?: boolean }>;
  script: string;
  readOnly?: boolean;
}

const TASKS: Record<string, TestTask> = {
  // Prints the JSON it is given: a stand-in for facts and other read-only discovery.
  emit: { readOnly: true, params: { json: { type: 'String' } }, script: 'printf "%s\\n" "$PT_json"' },
  // Appends a line to a file; fails on request. The state-changing stand-in.
  record: {
    params: {
      file: { type: 'String[1]' }, line: { type: 'String' }, count: { type: 'Optional[Integer]' },
      fail: { type: 'Optional[Boolean]' }, secret: { type: 'Optional[String]', sensitive: true },
    },
    script: [
      'printf "%s\\n" "$PT_line" >> "$PT_file"',
      'if [ "${PT_fail:-false}" = true ]; then',
      '  printf \'{"_error":{"kind":"test/failed","msg":"record failed as asked on %s"}}\\n\' "$PT_line"; exit 1',
      'fi',
      'printf \'{"recorded":"%s","count":%s}\\n\' "$PT_line" "${PT_count:-null}"',
    ].join('\n'),
  },
  // Waits until `expected` names have arrived in dir: passes only if that many run at the same time.
  rendezvous: {
    params: { dir: { type: 'String[1]' }, name: { type: 'String[1]' }, expected: { type: 'Integer[1]' } },
    script: [
      ': > "$PT_dir/arrived-$PT_name"',
      'i=0',
      'while [ "$(ls "$PT_dir" | grep -c "^arrived-")" -lt "$PT_expected" ]; do',
      '  i=$((i+1)); [ $i -gt 400 ] && { echo \'{"_error":{"kind":"test/alone","msg":"the others never came"}}\'; exit 1; }',
      '  sleep 0.05',
      'done',
      'echo \'{"met":true}\'',
    ].join('\n'),
  },
  // Holds a marker directory for a moment; a second holder at the same time is written to `overlaps`.
  hold: {
    params: { dir: { type: 'String[1]' }, name: { type: 'String[1]' } },
    script: [
      'mkdir "$PT_dir/held" 2>/dev/null || echo "$PT_name" >> "$PT_dir/overlaps"',
      'echo "start $PT_name" >> "$PT_dir/log"',
      'sleep 0.2',
      'echo "end $PT_name" >> "$PT_dir/log"',
      'rmdir "$PT_dir/held" 2>/dev/null',
      "echo '{}'",
    ].join('\n'),
  },
};

export interface TestBundle {
  dir: string;
  tasksDir: string;
  plansDir: string;
  /** A scratch directory the tasks write into. */
  work: string;
  library(): PlanLibrary;
  writePlan(name: string, yaml: string): string;
  plan(name: string): Plan;
  cleanup(): void;
}

export function makeBundle(): TestBundle {
  const dir = mkdtempSync(path.join(tmpdir(), 'regen-plan-test-'));
  const tasksDir = path.join(dir, 'tasks');
  const plansDir = path.join(dir, 'plans');
  const work = path.join(dir, 'work');
  for (const d of [tasksDir, plansDir, work]) mkdirSync(d);
  for (const [name, t] of Object.entries(TASKS)) {
    const parameters = Object.fromEntries(Object.entries(t.params).map(([p, spec]) => [p, { ...spec, description: `${p} of ${name}` }]));
    const metadata = {
      description: `test task ${name}`, supports_noop: false, input_method: 'environment', parameters,
      implementations: [{ name: `${name}.sh`, requirements: ['shell'] }],
      ...(t.readOnly ? { extensions: { regen: { read_only: true } } } : {}),
    };
    writeFileSync(path.join(tasksDir, `${name}.json`), JSON.stringify(metadata, null, 2));
    writeFileSync(path.join(tasksDir, `${name}.sh`), `#!/bin/sh\n${t.script}\n`);
  }
  return {
    dir, tasksDir, plansDir, work,
    library: () => new PlanLibrary(loadTasks(tasksDir), plansDir),
    writePlan(name, yaml) {
      const file = path.join(plansDir, `${name}.yaml`);
      writeFileSync(file, yaml);
      return file;
    },
    plan: (name) => loadPlan(name, plansDir),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function localTarget(name: string, groups: string[] = [], vars: Record<string, unknown> = {}): Target {
  return { name, host: 'localhost', alias: [], config: { transport: 'local', ssh: {}, winrm: {}, local: {} }, vars, facts: {}, groups };
}

/** resolveTargets over a fixed list: names, group names, comma lists. */
export function resolverFor(targets: Target[]): (spec: string | string[]) => Target[] {
  return (spec) => {
    const out = new Map<string, Target>();
    for (const word of [spec].flat().flatMap((s) => s.split(','))) {
      const found = targets.filter((t) => t.name === word || t.groups.includes(word));
      if (found.length === 0) throw new Error(`'${word}' is not a target or group of the inventory`);
      for (const t of found) out.set(t.name, t);
    }
    return [...out.values()];
  };
}

export interface WatchedContext {
  ctx: RunContext & { log: RunLog };
  connects: string[];
}

/** A run context over the local transport (or another connector), recording every connection opened. */
export function watchedContext(logRoot: string, options: { connector?: Connector; reporter?: Reporter } = {}): WatchedContext {
  const connects: string[] = [];
  const inner: Connector = options.connector ?? ((t) => localTransport.connect(t));
  const connector: Connector = (t) => {
    connects.push(t.name);
    return inner(t);
  };
  const log = RunLog.create(logRoot, 'plan-test');
  return { ctx: { pool: new ConnectionPool(connector), reporter: options.reporter ?? silentReporter, log }, connects };
}
