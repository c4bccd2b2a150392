// The profile is the only source of the procedure's lists and locations: overriding backup_dir, the
// service stop/start order and the internal certificate list in the inventory changes what every task
// receives, proven on a simulated PE 3.7 master (the demo's sandbox, local transport) by what the
// simulated `puppet` was actually asked to do and where the backup was actually written.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSandbox, type Sandbox } from '../../src/demo/sandbox.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlan } from '../../src/plans/load.js';
import type { PlanResult } from '../../src/plans/result.js';
import { PlanLibrary } from '../../src/plans/validate.js';
import { loadProfile } from '../../src/profiles/index.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { loadTasks } from '../../src/tasks/load.js';
import { readInvocations } from '../support/sim-hosts.js';
import { watchedContext } from './bundle.js';

const defaults = loadProfile('pe37') as { services: { stop_order: string[]; start_order: string[] }; internal_certs: string[] };
const stopOrder = [...defaults.services.stop_order].reverse();
const startOrder = [...defaults.services.start_order].reverse();
const internalCerts = [...defaults.internal_certs].reverse();

let dir: string;
let sandbox: Sandbox;
let backupDir: string;
let dry: PlanResult;
let real: PlanResult;

async function runMaster(dryRun: boolean): Promise<PlanResult> {
  const inventory = await loadInventory(sandbox.inventoryPath);
  const { ctx } = watchedContext(path.join(dir, dryRun ? 'logs-dry' : 'logs'));
  try {
    return await runPlan(loadPlan('master'), {}, {
      ctx, resolveTargets: (spec) => inventory.resolve(spec), concurrency: 2, dryRun, yes: true,
      library: new PlanLibrary(loadTasks()),
    });
  } finally {
    await ctx.pool.closeAll();
  }
}

const stepOf = (r: PlanResult, name: string) => r.steps.find((s) => s.name === name)!;
const wouldGet = (r: PlanResult, name: string) => stepOf(r, name).targets[0].would_run!.parameters;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'regen-profile-source-'));
  sandbox = await buildSandbox({ dir, agents: 0, keylength: 1024 });
  backupDir = path.join(sandbox.master.root, 'srv/elsewhere/backups');
  // The inventory overrides three profile values for the master, under vars.profile_overrides.
  const inv = parse(readFileSync(sandbox.inventoryPath, 'utf8'));
  const master = inv.groups[0].targets[0];
  Object.assign(master.vars.profile_overrides, {
    backup_dir: backupDir, internal_certs: internalCerts, services: { stop_order: stopOrder, start_order: startOrder },
  });
  writeFileSync(sandbox.inventoryPath, stringify(inv));
  dry = await runMaster(true);
  real = await runMaster(false);
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the profile is the only source', () => {
  it('the dry run shows every task receiving the overridden backup_dir, service orders and certificate list', () => {
    expect(dry.status).toBe('success');
    expect(wouldGet(dry, 'backup').backup_dir).toBe(backupDir);
    expect(wouldGet(dry, 'stop_services').names).toEqual(stopOrder);
    expect(wouldGet(dry, 'start_services').names).toEqual(startOrder);
    expect(wouldGet(dry, 'generate_internal_certs').certnames).toEqual(internalCerts);
    expect(wouldGet(dry, 'verify').internal_certs).toEqual(internalCerts);
  });

  it('the read-only pre-flight, which really runs in the dry run, checked the overridden backup location', () => {
    const preflight = stepOf(dry, 'preflight').targets[0];
    expect(preflight.status).toBe('success');
    expect(JSON.stringify(preflight.value)).toContain(backupDir);
  });

  it('the real run stops and starts the services in the overridden orders and generates the overridden certificates', () => {
    expect(real.status, JSON.stringify(real.failure)).toBe('success');
    const calls = readInvocations(sandbox.master.root).map((c) => c.args);
    const services = (ensure: string) =>
      calls.filter((a) => a[0] === 'resource' && a[1] === 'service' && a[3] === `ensure=${ensure}`).map((a) => a[2]);
    expect(services('stopped')).toEqual(stopOrder);
    expect(services('running')).toEqual(startOrder);
    const generated = calls.filter((a) => a[0] === 'cert' && a[1] === 'generate').map((a) => a[2]);
    expect(generated).toEqual([sandbox.master.name, ...internalCerts]);
  });

  it('the backup is written to the overridden backup_dir', () => {
    const archive = (real.return as { backup: string }).backup;
    expect(archive.startsWith(`${backupDir}/`)).toBe(true);
    expect(existsSync(archive)).toBe(true);
  });
});
