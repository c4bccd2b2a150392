// Plan execution over the local transport with throwaway tasks: results flowing between steps, stopping
// and resuming, catch_errors, for_each batches, locks, dry runs. Outcomes are checked on disk.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../src/inventory/types.js';
import { PlanError } from '../../src/plans/types.js';
import type { Reporter } from '../../src/runner/reporter.js';
import { planTargetOutcomes, runPlan, type RunPlanOptions } from '../../src/runner/run-plan.js';
import { planStateFile } from '../../src/runner/plan-state.js';
import { localTarget, makeBundle, resolverFor, watchedContext, type TestBundle } from './bundle.js';

let b: TestBundle;
beforeAll(() => {
  b = makeBundle();
});
afterAll(() => b.cleanup());

function recorder() {
  const sections: Array<{ title: string; items: string[] }> = [];
  const notes: string[] = [];
  const messages: string[] = [];
  const reporter: Reporter = {
    section: (title, items, work) => {
      sections.push({ title, items });
      return work((name) => ({ note: (t) => notes.push(`${name}: ${t}`), finish: () => undefined }));
    },
    message: (t) => messages.push(t),
  };
  return { reporter, sections, notes, messages };
}

function options(targets: Target[], extra: Partial<RunPlanOptions> = {}, reporter?: Reporter) {
  const watched = watchedContext(path.join(b.dir, 'logs'), { reporter });
  const opts: RunPlanOptions = { ctx: watched.ctx, resolveTargets: resolverFor(targets), concurrency: 4, library: b.library(), ...extra };
  return { opts, watched };
}

function scratch(name: string): string {
  const dir = path.join(b.work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
const master = [localTarget('m1')];

describe('running a plan', () => {
  it('passes results between steps, keeping types, and returns the evaluated return', async () => {
    b.writePlan('flow', `parameters:
  targets: {type: TargetSpec, default: m1}
  out: {type: String}
steps:
  - name: facts
    task: emit
    parameters: {json: '{"certname":"m1.example","alts":["puppet","puppet.example"],"n":3}'}
  - name: note
    description: Write the certname down
    task: record
    parameters: {file: "\${out}", line: "\${facts.certname}=\${facts.alts}", count: "\${facts.n}"}
  - message: "noted \${note.recorded} on \${target.name}"
return:
  count: \${note.count}
  alts: \${facts.alts}
`);
    const out = path.join(scratch('flow'), 'out');
    const rec = recorder();
    const { opts, watched } = options(master, {}, rec.reporter);
    const result = await runPlan(b.plan('flow'), { out }, opts);
    expect(result.status).toBe('success');
    expect(lines(out)).toEqual(['m1.example=puppet,puppet.example']);
    expect(result.return).toEqual({ count: 3, alts: ['puppet', 'puppet.example'] });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([['facts', 'success'], ['note', 'success'], ['step 3 (message)', 'success']]);
    expect(result.steps[1].targets[0]).toMatchObject({ target: 'm1', status: 'success', value: { recorded: 'm1.example=puppet,puppet.example', count: 3 } });
    expect(rec.messages).toEqual(['noted m1.example=puppet,puppet.example on m1']);
    expect(rec.sections).toEqual([{ title: 'facts: task emit', items: ['m1'] }, { title: 'note: Write the certname down', items: ['m1'] }]);
    expect(watched.connects).toEqual(['m1']);
    const logged = readdirSync(path.join(watched.ctx.log.dir, 'm1'));
    expect(logged.some((f) => f.endsWith('-facts.json')) && logged.some((f) => f.endsWith('-note.json'))).toBe(true);
  });

  const stepsPlan = (catchErrors: boolean) => `parameters:
  targets: {type: TargetSpec, default: m1}
  out: {type: String}
  fail_two: {type: Boolean, default: false}
steps:
  - name: one
    task: record
    parameters: {file: "\${out}", line: one}
    state: "one written (\${one.recorded})"
  - name: two
    doc_step: "2.3"
    description: The step that may fail
    task: record
    parameters: {file: "\${out}", line: two, fail: "\${fail_two}"}
    catch_errors: ${catchErrors}
    state: two written
  - name: three
    task: record
    parameters: {file: "\${out}", line: "three after \${one.recorded}"}
`;

  it('stops at the first failure and says which step, which target, the host state and where to resume', async () => {
    b.writePlan('stops', stepsPlan(false));
    const out = path.join(scratch('stops'), 'out');
    const stateFile = planStateFile(path.join(b.dir, 'state'), 'stops', 'm1');
    const { opts } = options(master, { stateFile });
    const result = await runPlan(b.plan('stops'), { out, fail_two: true }, opts);
    expect(lines(out)).toEqual(['one', 'two']);
    expect(result.status).toBe('failure');
    expect(result.steps.map((s) => s.name)).toEqual(['one', 'two']);
    expect(result.failure).toMatchObject({
      plan: 'stops', step: 'two', path: ['two'], description: 'The step that may fail', doc_step: '2.3', target: 'm1',
      error: { kind: 'test/failed', msg: 'record failed as asked on two' },
      states: ['one written (one)'], completed: ['one'], resume: { from_step: 'two', state_file: stateFile },
    });
    expect(result.return).toBeUndefined();
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).failure.step).toBe('two');

    // The cause fixed, --from-step two finishes the plan without running one again, still seeing one's result.
    const resumed = await runPlan(b.plan('stops'), { out }, { ...options(master).opts, stateFile, fromStep: 'two' });
    expect(resumed.status).toBe('success');
    expect(lines(out)).toEqual(['one', 'two', 'two', 'three after one']);
    expect(resumed.steps.map((s) => [s.name, s.resumed ?? false])).toEqual([['one', true], ['two', false], ['three', false]]);
  });

  it('refuses to resume without saved state, from an unknown step, or past a step that did not complete', async () => {
    b.writePlan('resume_checks', stepsPlan(false));
    const out = path.join(scratch('resume_checks'), 'out');
    const stateFile = planStateFile(path.join(b.dir, 'state'), 'resume_checks', 'm1');
    const plan = b.plan('resume_checks');
    const { opts, watched } = options(master, { stateFile });
    await expect(runPlan(plan, { out }, { ...opts, fromStep: 'two' })).rejects.toThrow(/needs the results the earlier run .* saved/);
    await expect(runPlan(plan, { out }, { ...opts, fromStep: 'tw' })).rejects.toThrow(/has no step of that name \(its steps: one, two, three\)/);
    expect(watched.connects).toEqual([]);
    await runPlan(plan, { out, fail_two: true }, opts);
    await expect(runPlan(plan, { out }, { ...opts, fromStep: 'three' })).rejects.toThrow(PlanError);
    await expect(runPlan(plan, { out }, { ...opts, fromStep: 'three' })).rejects.toThrow(/step 'two' did not complete .* --from-step two/);
  });

  it('goes on after a failure under catch_errors, recording it', async () => {
    b.writePlan('caught', stepsPlan(true));
    const out = path.join(scratch('caught'), 'out');
    const result = await runPlan(b.plan('caught'), { out, fail_two: true }, options(master).opts);
    expect(lines(out)).toEqual(['one', 'two', 'three after one']);
    expect(result.status).toBe('success');
    expect(result.steps[1]).toMatchObject({ name: 'two', status: 'failure', caught: true });
    expect(result.steps[1].state).toBeUndefined();
    expect(result.failed_targets).toEqual(['m1']);
  });

  it('runs a for_each sub-plan per target: one failing agent stops only itself', async () => {
    b.writePlan('agent_steps', `parameters:
  targets: {type: TargetSpec}
  dir: {type: String}
steps:
  - name: first
    task: record
    parameters: {file: "\${dir}/\${target.name}", line: first, fail: "\${vars.broken ?? false}"}
  - name: second
    task: record
    parameters: {file: "\${dir}/\${target.name}", line: second}
return: {agent: "\${target.name}"}
`);
    b.writePlan('agents_batch', `parameters:
  targets: {type: TargetSpec, default: agents}
  dir: {type: String}
  out: {type: String}
steps:
  - name: reenroll
    plan: agent_steps
    for_each: \${targets}
    concurrency: 2
    parameters: {dir: "\${dir}"}
  - name: after
    task: record
    targets: m1
    parameters: {file: "\${out}", line: "failed=\${reenroll.failed} ok=\${reenroll.ok}"}
return: \${reenroll}
`);
    const dir = scratch('batch');
    const agents = ['a1', 'a2', 'a3'].map((n) => localTarget(n, ['agents'], n === 'a2' ? { broken: true } : {}));
    const rec = recorder();
    const { opts } = options([...master, ...agents], {}, rec.reporter);
    const result = await runPlan(b.plan('agents_batch'), { dir, out: path.join(dir, 'summary') }, opts);
    expect(lines(path.join(dir, 'a1'))).toEqual(['first', 'second']);
    expect(lines(path.join(dir, 'a2'))).toEqual(['first']);
    expect(lines(path.join(dir, 'a3'))).toEqual(['first', 'second']);
    expect(lines(path.join(dir, 'summary'))).toEqual(['failed=a2 ok=a1,a3']);
    const batch = result.steps[0];
    expect(batch).toMatchObject({ name: 'reenroll', batch: true, status: 'failure' });
    expect(batch.targets.map((t) => [t.target, t.status])).toEqual([['a1', 'success'], ['a2', 'failure'], ['a3', 'success']]);
    expect(batch.targets[0].value).toEqual({ agent: 'a1' });
    expect(batch.targets[1].error?.msg).toBe('first: record failed as asked on first');
    // The target's error reports on the sub-plan step's own, kept whole as its cause.
    expect(batch.targets[1].error?.cause).toEqual({ kind: batch.targets[1].error?.kind, msg: 'record failed as asked on first', ...(batch.targets[1].error?.details ? { details: batch.targets[1].error.details } : {}) });
    expect(batch.targets[1].failure).toMatchObject({ plan: 'agent_steps', step: 'first', path: ['reenroll', 'first'], target: 'a2' });
    expect(result.status).toBe('failure');
    expect(result.failure).toBeUndefined();
    expect(result.failed_targets).toEqual(['a2']);
    expect(result.return).toEqual({ ok: ['a1', 'a3'], failed: ['a2'], results: { a1: { agent: 'a1' }, a2: undefined, a3: { agent: 'a3' } } });
    expect(planTargetOutcomes(result)).toEqual(expect.arrayContaining([{ target: 'a2', status: 'failure' }, { target: 'a1', status: 'success' }]));
    // One section for the batch, its items the agents, notes naming each sub-step; then the `after` step.
    expect(rec.sections.map((s) => s.items)).toEqual([['a1', 'a2', 'a3'], ['m1']]);
    expect(rec.sections[0].title).toBe('reenroll: plan agent_steps (3 targets, 2 at a time)');
    expect(rec.notes).toContain('a1: reenroll.second: running record');
  });

  it('never runs two steps holding the same lock at once, across concurrent sub-plans', async () => {
    b.writePlan('locked_agent', `parameters:
  targets: {type: TargetSpec}
  dir: {type: String}
  expected: {type: Integer}
steps:
  - name: meet
    task: rendezvous
    parameters: {dir: "\${dir}", name: "\${target.name}", expected: "\${expected}"}
  - name: sign
    task: hold
    lock: ca
    parameters: {dir: "\${dir}", name: "\${target.name}"}
`);
    b.writePlan('locked', `parameters:
  targets: {type: TargetSpec, default: agents}
  dir: {type: String}
steps:
  - name: each
    plan: locked_agent
    for_each: \${targets}
    parameters: {dir: "\${dir}", expected: 4}
`);
    const dir = scratch('lock');
    const agents = ['b1', 'b2', 'b3', 'b4'].map((n) => localTarget(n, ['agents']));
    const result = await runPlan(b.plan('locked'), { dir }, options(agents).opts);
    expect(result.status).toBe('success');
    // The rendezvous proves the four sub-plans ran at the same time; the lock made the holds strictly one by one.
    expect(existsSync(path.join(dir, 'overlaps'))).toBe(false);
    const log = lines(path.join(dir, 'log'));
    expect(log).toHaveLength(8);
    for (let i = 0; i < 8; i += 2) expect(log[i + 1]).toBe(log[i].replace('start', 'end'));
    expect(new Set(log.map((l) => l.split(' ')[1]))).toEqual(new Set(['b1', 'b2', 'b3', 'b4']));
  });
  it('stops the parent when a sub-plan fails, naming the inner step and resuming at the parent step', async () => {
    b.writePlan('inner_child', `parameters:
  targets: {type: TargetSpec}
  out: {type: String}
steps:
  - name: c1
    task: record
    parameters: {file: "\${out}", line: c1}
    state: c1 done
  - name: c2
    task: record
    parameters: {file: "\${out}", line: c2, fail: true}
`);
    b.writePlan('outer', `parameters:
  targets: {type: TargetSpec, default: m1}
  out: {type: String}
steps:
  - name: pre
    task: record
    parameters: {file: "\${out}", line: pre}
    state: pre done
  - name: inner
    plan: inner_child
    targets: \${targets}
    parameters: {out: "\${out}"}
  - name: never
    task: record
    parameters: {file: "\${out}", line: never}
`);
    const out = path.join(scratch('outer'), 'out');
    const result = await runPlan(b.plan('outer'), { out }, options(master).opts);
    expect(lines(out)).toEqual(['pre', 'c1', 'c2']);
    expect(result.failure).toMatchObject({
      plan: 'inner_child', step: 'c2', path: ['inner', 'c2'], target: 'm1', states: ['pre done', 'c1 done'],
      completed: ['pre'], resume: { from_step: 'inner' },
    });
    expect(result.steps[1].steps?.map((s) => s.name)).toEqual(['c1', 'c2']);
  });

  it('fails a target whose evaluated parameters do not match the task\'s types, naming the parameter', async () => {
    b.writePlan('badtype', `parameters:
  targets: {type: TargetSpec, default: m1}
  out: {type: String}
steps:
  - name: facts
    task: emit
    parameters: {json: '{"n":"three"}'}
  - name: use
    task: record
    parameters: {file: "\${out}", line: x, count: "\${facts.n}"}
`);
    const out = path.join(scratch('badtype'), 'out');
    const result = await runPlan(b.plan('badtype'), { out }, options(master).opts);
    expect(existsSync(out)).toBe(false);
    expect(result.failure?.error.kind).toBe('regen/parameter-type');
    expect(result.failure?.error.msg).toMatch(/^step use on m1: task 'record' parameter 'count': expected Optional\[Integer\], got 'three'/);
  });
});
