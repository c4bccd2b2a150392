// Dry runs and confirmations: only read-only tasks run; everything else is shown with its parameters.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reporter } from '../../src/runner/reporter.js';
import { planStateFile } from '../../src/runner/plan-state.js';
import { runPlan, type RunPlanOptions } from '../../src/runner/run-plan.js';
import { localTarget, makeBundle, resolverFor, watchedContext, type TestBundle } from './bundle.js';

let b: TestBundle;
beforeAll(() => {
  b = makeBundle();
  b.writePlan('destroy', `parameters:
  targets: {type: TargetSpec, default: m1}
  out: {type: String}
  password: {type: String, sensitive: true, default: hunter22}
steps:
  - name: facts
    task: emit
    parameters: {json: '{"certname":"m1.example"}'}
  - confirm: "This destroys the CA on \${facts.certname}. Continue?"
    name: confirm_destroy
  - name: backup
    task: record
    parameters: {file: "\${out}", line: "backup of \${facts.certname}", secret: "\${password}"}
  - name: check
    task: emit
    parameters: {json: '{"archive":"\${backup.recorded}","pw":"\${password}"}'}
  - name: after
    task: record
    parameters: {file: "\${out}", line: "kept \${backup.recorded} in \${profile.ssldir}", count: "\${facts.n ?? 7}"}
`);
});
afterAll(() => b.cleanup());

function messages(): { reporter: Reporter; said: string[] } {
  const said: string[] = [];
  return { said, reporter: { section: (_t, _i, work) => work(() => ({ note: () => undefined, finish: () => undefined })), message: (t) => said.push(t) } };
}

function setup(extra: Partial<RunPlanOptions>, reporter?: Reporter) {
  const watched = watchedContext(path.join(b.dir, 'logs'), { reporter });
  const opts: RunPlanOptions = { ctx: watched.ctx, resolveTargets: resolverFor([localTarget('m1')]), concurrency: 2, library: b.library(), ...extra };
  return { opts, watched };
}

describe('dry run', () => {
  it('runs only read-only tasks and reports the others per target with evaluated, redacted parameters', async () => {
    const dir = path.join(b.work, 'dry');
    mkdirSync(dir, { recursive: true });
    const out = path.join(dir, 'out');
    const stateFile = planStateFile(path.join(b.dir, 'state'), 'destroy', 'm1');
    const m = messages();
    const { opts, watched } = setup({
      dryRun: true, stateFile, confirm: async () => { throw new Error('a dry run must not ask'); },
    }, m.reporter);
    const result = await runPlan(b.plan('destroy'), { out }, opts);

    expect(existsSync(out)).toBe(false);
    expect(result.dry_run).toBe(true);
    expect(result.status).toBe('success');
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['facts', 'success'], ['confirm_destroy', 'would_run'], ['backup', 'would_run'], ['check', 'would_run'], ['after', 'would_run'],
    ]);
    expect(result.steps[0].targets[0].value).toEqual({ certname: 'm1.example' });
    expect(result.steps[2].targets[0]).toEqual({
      target: 'm1', status: 'would_run',
      would_run: { task: 'record', parameters: { file: out, line: 'backup of m1.example', secret: '[redacted]' } },
    });
    // A read-only task fed by a step that did not run is shown, not run; unknown results read <result of STEP>.
    expect(result.steps[3].targets[0].would_run?.parameters).toEqual({ json: '{"archive":"<result of backup.recorded>","pw":"[redacted]"}' });
    expect(result.steps[4].targets[0].would_run?.parameters).toMatchObject({ line: 'kept <result of backup.recorded> in /etc/puppetlabs/puppet/ssl', count: 7 });
    expect(m.said).toEqual(['[dry run] would ask: This destroys the CA on m1.example. Continue?']);
    expect(existsSync(stateFile)).toBe(false);
    expect(watched.connects).toEqual(['m1']);
    const events = readFileSync(path.join(watched.ctx.log.dir, 'events.log'), 'utf8');
    expect(events).toMatch(/m1 backup would_run/);
    expect(events).not.toContain('hunter22');
  });
});

describe('confirm steps', () => {
  it('stop the plan when declined, before anything after them runs', async () => {
    const out = path.join(b.work, 'declined');
    const asked: string[] = [];
    const { opts } = setup({ confirm: async (text) => { asked.push(text); return false; } });
    const result = await runPlan(b.plan('destroy'), { out }, opts);
    expect(asked).toEqual(['This destroys the CA on m1.example. Continue?']);
    expect(existsSync(out)).toBe(false);
    expect(result.status).toBe('failure');
    expect(result.failure).toMatchObject({ step: 'confirm_destroy', error: { kind: 'regen/not-confirmed' }, completed: ['facts'] });
    expect(result.failure?.target).toBeUndefined();
  });

  it('pass with --yes without asking, or with an answer of yes', async () => {
    const out = path.join(b.work, 'confirmed');
    const { opts } = setup({ yes: true, confirm: async () => { throw new Error('--yes must not ask'); } });
    const result = await runPlan(b.plan('destroy'), { out }, opts);
    expect(result.status).toBe('success');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual(['backup of m1.example', 'kept backup of m1.example in /etc/puppetlabs/puppet/ssl']);
    const again = await runPlan(b.plan('destroy'), { out }, setup({ confirm: async () => true }).opts);
    expect(again.status).toBe('success');
  });
});
