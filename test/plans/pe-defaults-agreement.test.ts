// The PE 3.7 defaults (plans/pe37-defaults.yaml) are the one list of services, their order, the PE
// service certificates and the backup location. The master plan writes one step per service and per
// certificate (each with its own `state`), so this proves the plan follows those lists exactly, and that
// no task's own default disagrees with them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plans/load.js';
import { loadPeDefaults } from '../../src/plans/pe-defaults.js';
import { TASKS_DIR } from '../../src/tasks/bundle.js';

const pe = loadPeDefaults() as {
  services: { stop_order: string[]; start_order: string[] };
  internal_certs: string[];
  backup_dir: string;
  puppet: string;
  ssldir: string;
};
const master = loadPlan('master');
const tasksOf = (task: string, action?: string) =>
  master.steps.filter((s) => s.task === task && (action === undefined || s.parameters?.action === action));

describe('the master plan and the PE 3.7 defaults agree', () => {
  it('stops the services in the defaults\' stop_order (doc Step 1)', () => {
    expect(tasksOf('service', 'stop').map((s) => s.parameters?.name)).toEqual(pe.services.stop_order);
  });

  it('starts them in the defaults\' start_order (doc Step 5)', () => {
    expect(tasksOf('service', 'start').map((s) => s.parameters?.name)).toEqual(pe.services.start_order);
  });

  it('generates exactly the defaults\' internal_certs after the master\'s own (doc Step 2.6)', () => {
    const generated = tasksOf('cert_generate').map((s) => s.parameters?.certname);
    expect(generated[0]).toBe('${facts.certname}');
    expect(generated.slice(1)).toEqual(pe.internal_certs);
  });

  it('gives every task the defaults\' backup_dir, puppet and ssldir where a task has its own default for them', () => {
    const owned = { backup_dir: pe.backup_dir, puppet: pe.puppet, ssldir: pe.ssldir };
    for (const file of readdirSync(TASKS_DIR).filter((f) => f.endsWith('.json'))) {
      const params = JSON.parse(readFileSync(path.join(TASKS_DIR, file), 'utf8')).parameters ?? {};
      for (const [name, value] of Object.entries(owned)) {
        if (params[name]?.default !== undefined) expect(params[name].default, `${file}: ${name}`).toBe(value);
      }
      const disk = params.disk_paths?.default;
      if (Array.isArray(disk) && disk.some((p: string) => p.includes('regen/backups'))) expect(disk, `${file}: disk_paths`).toContain(pe.backup_dir);
    }
  });
});
