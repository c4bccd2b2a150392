// Before the first connection: the path parameters of each task step whose values are known already
// (the plan's parameters, each target's profile and vars: `dir: "${profile.backup_dir}"` with an inventory
// override of backup_dir) are checked like literal ones, so a '..' or a relative path in the inventory
// stops the plan before it touches a host, naming the file:line of the step, the target and the value.
import type { Target } from '../inventory/types.js';
import { evaluate, parseTemplate, pathsOf } from '../plans/expr.js';
import { stepKind, stepLabel, type Plan, type PlanStep } from '../plans/types.js';
import { checkPathParameters, pathParameters } from '../tasks/paths.js';
import { scopeFor, targetsOf, type Frame } from './plan-scope.js';

const KNOWN_BEFORE_CONNECTING = new Set(['profile', 'vars', 'target']);

export function pathProblemsBeforeConnecting(frame: Frame, start: number): string[] {
  const { plan } = frame;
  const problems = new Map<string, string>();
  plan.steps.forEach((step, index) => {
    if (index < start || stepKind(step) !== 'task') return;
    const task = frame.run.library.task(step.task!);
    const known = Object.fromEntries(pathParameters(task)
      .filter((name) => step.parameters?.[name] !== undefined && knownEarly(plan, step.parameters[name]))
      .map((name) => [name, step.parameters![name]]));
    if (Object.keys(known).length === 0) return;
    for (const target of stepTargets(frame, step)) {
      let values: Record<string, unknown>;
      try {
        const { value, pending } = evaluate(known, scopeFor(frame, target));
        if (pending.length > 0) continue;
        values = value as Record<string, unknown>;
      } catch {
        continue; // an expression that fails here fails the same way when the step runs, with its own message
      }
      for (const p of checkPathParameters(task, values)) {
        const param = Object.keys(known).find((k) => p.includes(`'${k}'`) || p.includes(`'${k}[`)) ?? Object.keys(known)[0];
        const at = `${plan.source.file}:${plan.source.lineOf(['steps', index, 'parameters', param])}: ${stepLabel(step, index)}`;
        if (!problems.has(p)) problems.set(p, `${at} on ${target.name}: ${p}; the value comes from ${JSON.stringify(step.parameters![param])} (the target's profile, its overrides in the inventory, or a plan parameter)`);
      }
    }
  });
  return [...problems.values()];
}

function knownEarly(plan: Plan, value: unknown): boolean {
  const strings = [value].flat().filter((v): v is string => typeof v === 'string');
  return strings.every((s) => parseTemplate(s).parts.every((part) => typeof part === 'string'
    || pathsOf(part.expr).every((r) => r.root in plan.parameters || KNOWN_BEFORE_CONNECTING.has(r.root))));
}

function stepTargets(frame: Frame, step: PlanStep): Target[] {
  const spec = step.targets ?? frame.params.targets;
  if (spec === undefined || !knownEarly(frame.plan, spec)) return [];
  try {
    return targetsOf(frame, spec).targets;
  } catch {
    return []; // preflightTargets reports a spec that names nothing
  }
}
