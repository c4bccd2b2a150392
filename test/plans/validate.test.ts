import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePlan, listPlans } from '../../src/plans/describe.js';
import { PlanError } from '../../src/plans/types.js';
import { validatePlan } from '../../src/plans/validate.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { localTarget, makeBundle, resolverFor, watchedContext, type TestBundle } from './bundle.js';

let b: TestBundle;
beforeAll(() => {
  b = makeBundle();
});
afterAll(() => b.cleanup());

/** Writes the plan and returns its problems; the first line of `yaml` is line 1 of the file. */
function problemsOf(name: string, yaml: string): string[] {
  const file = b.writePlan(name, yaml);
  try {
    return validatePlan(b.plan(name), b.library()).map((p) => p.replace(file, 'FILE'));
  } catch (e) {
    if (e instanceof PlanError) return e.problems.map((p) => p.replace(file, 'FILE'));
    throw e;
  }
}

const header = `parameters:
  targets: {type: TargetSpec, default: m1}
steps:
`;

describe('plan validation', () => {
  it('accepts a correct plan', () => {
    expect(problemsOf('good', `${header}  - name: facts
    task: emit
    parameters: {json: '{"certname":"m1"}'}
  - name: note
    task: regen::record
    parameters: {file: /tmp/x, line: "\${facts.certname} \${profile.ssldir} \${target.name}", count: 3}
  - message: "done on \${facts.certname}"
return:
  certname: \${facts.certname}
`)).toEqual([]);
  });

  it('names a misspelled task with its file and line, and suggests the right one', () => {
    expect(problemsOf('typo', `${header}  - name: first
    task: emit
    parameters: {json: '{}'}
  - name: second
    task: recrod
    parameters: {file: /tmp/x, line: a}
`)).toEqual([expect.stringMatching(/^FILE:8: second: task: unknown task 'recrod'\. Did you mean: record\?/)]);
  });

  it('rejects a literal of the wrong type, an unknown parameter and a missing required one', () => {
    const problems = problemsOf('types', `${header}  - name: note
    task: record
    parameters:
      file: /tmp/x
      line: a
      count: three
  - name: again
    task: record
    parameters:
      line: b
      colour: blue
`);
    expect(problems).toContain("FILE:9: note: parameters.count: task 'record' parameter 'count': expected Optional[Integer], got 'three'");
    expect(problems).toContain("FILE:14: again: parameters.colour: task 'record' has no parameter 'colour' (it takes: file, line, count, fail, secret)");
    expect(problems.some((p) => p.startsWith("FILE:12: again: parameters: task 'record' needs parameter 'file'"))).toBe(true);
  });

  it('rejects unknown names, later steps and unknown profile keys in expressions', () => {
    const problems = problemsOf('refs', `${header}  - name: facts
    task: emit
    parameters: {json: '{}'}
  - name: use
    task: record
    parameters:
      file: "\${fact.path}"
      line: "\${later.value}"
      count: "\${profile.sldir ?? 1}"
  - name: later
    task: emit
    parameters: {json: '{}'}
  - message: "\${facts.x"
`);
    expect(problems).toContain("FILE:10: use: parameters.file: '${fact.path}': unknown name 'fact' (did you mean facts?); an expression starts with a plan parameter, an earlier step's name, target, vars or profile");
    expect(problems).toContain("FILE:11: use: parameters.line: '${later.value}' refers to step 'later', which runs later (step 3)");
    expect(problems.find((p) => p.startsWith('FILE:12: use: parameters.count:'))).toMatch(/profile has no key 'sldir'/);
    expect(problems.find((p) => p.startsWith('FILE:16: step 4 (message): message:'))).toMatch(/no closing/);
  });

  it('rejects duplicate step names and names taken by parameters', () => {
    const problems = problemsOf('dupes', `${header}  - name: facts
    task: emit
    parameters: {json: '{}'}
  - name: facts
    task: emit
    parameters: {json: '{}'}
  - name: targets
    task: emit
    parameters: {json: '{}'}
`);
    expect(problems).toEqual([
      "FILE:7: facts: name: 'facts' is already an earlier step; step names must be unique",
      "FILE:10: targets: name: 'targets' is already a plan parameter; step names must be unique",
    ]);
  });

  it('reports schema problems and YAML duplicate keys with their lines', () => {
    expect(problemsOf('schema', `${header}  - name: one
    task: emit
    taks: oops
    parameters: {json: '{}'}
  - name: two
    description: no kind
`)).toEqual([
      "FILE:6: one: taks: unknown key 'taks'",
      'FILE:8: two: a step needs one of task, plan, message or confirm (it has: name, description)',
    ]);
    expect(problemsOf('dupkey', `${header}  - name: one
    task: emit
    task: record
`)).toEqual([expect.stringMatching(/^FILE:6: duplicate key/)]);
  });

  it('checks sub-plans: existence, their parameters and their own steps', () => {
    b.writePlan('child', `parameters:
  targets: {type: TargetSpec}
  label: {type: String}
steps:
  - name: inner
    task: emit
    parameters: {json: '{}', bogus: 1}
`);
    const problems = problemsOf('parent', `${header}  - name: each
    plan: child
    for_each: \${targets}
    parameters: {label: 5, extra: x}
  - name: missing
    plan: chlid
`);
    expect(problems.find((p) => p.includes('child.yaml:7: inner: parameters.bogus:'))).toBeDefined();
    expect(problems).toContain("FILE:7: each: parameters.label: plan 'child' parameter 'label': expected String, got number 5");
    expect(problems.find((p) => p.startsWith('FILE:7: each: parameters.extra:'))).toMatch(/has no parameter 'extra'/);
    expect(problems.find((p) => p.startsWith('FILE:9: missing: plan:'))).toMatch(/unknown plan 'chlid'.*Did you mean: child\?/);
  });

  it('validates everything before any connection is opened', async () => {
    b.writePlan('broken', `${header}  - name: first
    task: emit
    parameters: {json: '{}'}
  - name: second
    task: record
    parameters: {file: /tmp/x, line: "\${nope}"}
`);
    const watched = watchedContext(b.dir, { connector: async () => { throw new Error('must not connect'); } });
    const targets = [localTarget('m1')];
    const run = runPlan(b.plan('broken'), {}, { ctx: watched.ctx, resolveTargets: resolverFor(targets), concurrency: 2, library: b.library() });
    await expect(run).rejects.toThrow(PlanError);
    await expect(run).rejects.toThrow(/:9: second: parameters.line: '\$\{nope\}': unknown name 'nope'/);
    expect(watched.connects).toEqual([]);
  });

  it('rejects bad plan parameters and unresolvable targets before connecting', async () => {
    b.writePlan('simple', `${header}  - name: first
    task: emit
    parameters: {json: '{}'}
`);
    const watched = watchedContext(b.dir);
    const opts = { ctx: watched.ctx, resolveTargets: resolverFor([localTarget('m1')]), concurrency: 2, library: b.library() };
    await expect(runPlan(b.plan('simple'), { targets: 5 }, opts)).rejects.toThrow(/parameter 'targets': expected Variant/);
    await expect(runPlan(b.plan('simple'), { colour: 'x' }, opts)).rejects.toThrow(/has no parameter 'colour'/);
    await expect(runPlan(b.plan('simple'), { targets: 'ghost' }, opts)).rejects.toThrow(/simple.yaml:4: first: targets: 'ghost' is not a target/);
    expect(watched.connects).toEqual([]);
  });

  it('lists plans (a broken one with its first problem) and describes steps for `plan show`', () => {
    b.writePlan('shown', `description: Shown plan
parameters:
  targets: {type: TargetSpec, default: m1, description: The master}
  pw: {type: String, sensitive: true, default: secret1}
steps:
  - name: facts
    description: Discover
    doc_step: pre-flight
    task: regen::emit
    parameters: {json: '{}'}
  - confirm: Sure?
`);
    const listed = listPlans(b.plansDir);
    expect(listed.find((p) => p.name === 'shown')).toEqual({ name: 'shown', description: 'Shown plan', private: false });
    expect(listed.find((p) => p.name === 'dupkey')?.error).toMatch(/duplicate key/);
    const shown = describePlan(b.plan('shown'));
    expect(shown.parameters).toEqual([
      { name: 'targets', type: 'TargetSpec', default: 'm1', description: 'The master', required: false, sensitive: false },
      { name: 'pw', type: 'String', default: '[redacted]', description: undefined, required: false, sensitive: true },
    ]);
    expect(shown.steps[0]).toMatchObject({
      index: 1, name: 'facts', kind: 'task', object: 'emit', description: 'Discover', doc_step: 'pre-flight', targets: '${targets}', parameters: { json: '{}' },
    });
    expect(shown.steps[1]).toMatchObject({ index: 2, name: 'step 2 (confirm)', kind: 'confirm', text: 'Sure?' });
  });
  it('refuses a coverage declaration naming no TargetSpec parameter, and a summary without its value key', () => {
    expect(problemsOf('cov', `coverage: {agents: targets, master: nosuch}
${header}  - name: facts
    task: emit
    parameters: {json: '{}'}
`)).toEqual(["FILE:1: coverage.master: 'nosuch' is not a TargetSpec parameter of this plan"]);
    const bad = problemsOf('summ', `${header}  - name: facts
    task: emit
    summary: {label: certname}
    parameters: {json: '{}'}
`);
    expect(bad.join('\n')).toMatch(/summary/);
    expect(problemsOf('summ_ok', `${header}  - name: facts
    task: emit
    summary: {label: certname, value: certname}
    parameters: {json: '{}'}
`)).toEqual([]);
  });
});
