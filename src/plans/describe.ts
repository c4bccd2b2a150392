// What `regen plan list` and `regen plan show NAME` print: plans, their parameters, their steps.
import { PLANS_DIR } from '../tasks/bundle.js';
import { loadPlan, planNames } from './load.js';
import { STEP_KINDS } from './steps/index.js';
import { stepKind, stepLabel, type Plan, type StepKind } from './types.js';

export interface PlanSummary {
  name: string;
  description: string;
  private: boolean;
  /** Set when the file does not load: the first problem. */
  error?: string;
}

export interface StepDescription {
  index: number;
  name: string;
  kind: StepKind;
  description?: string;
  doc_step?: string | number;
  /** The task or plan run. */
  object?: string;
  /** As written (an expression, usually); the plan's `targets` when omitted. */
  targets?: string | string[];
  for_each?: string | string[];
  concurrency?: number | string;
  lock?: string;
  catch_errors: boolean;
  parameters?: Record<string, unknown>;
  /** A message's or confirm's text, as written. */
  text?: string;
  state?: string;
}

export interface PlanDescription {
  name: string;
  description: string;
  file: string;
  parameters: Array<{ name: string; type: string; default?: unknown; description?: string; required: boolean; sensitive: boolean }>;
  steps: StepDescription[];
  return?: unknown;
}

export function listPlans(dir = PLANS_DIR): PlanSummary[] {
  return planNames(dir).map((name) => {
    try {
      const plan = loadPlan(name, dir);
      return { name, description: plan.description ?? '', private: plan.private ?? false };
    } catch (e) {
      return { name, description: '', private: false, error: (e as Error).message.split('\n')[0] };
    }
  });
}

export function describePlan(plan: Plan): PlanDescription {
  return {
    name: plan.name,
    description: plan.description ?? '',
    file: plan.source.file,
    parameters: Object.entries(plan.parameters).map(([name, p]) => ({
      name,
      type: p.type ?? 'Any',
      ...(p.default !== undefined ? { default: p.sensitive ? '[redacted]' : p.default } : {}),
      description: p.description,
      required: p.default === undefined && !/^Optional\[/.test(p.type ?? ''),
      sensitive: p.sensitive ?? false,
    })),
    steps: plan.steps.map((s, index) => {
      const kind = stepKind(s)!;
      const own = STEP_KINDS[kind].describe(s, plan);
      return {
        index: index + 1,
        name: stepLabel(s, index),
        kind,
        description: s.description,
        doc_step: s.doc_step,
        object: own.object,
        targets: own.targets,
        for_each: s.for_each,
        concurrency: s.concurrency,
        lock: s.lock,
        catch_errors: s.catch_errors ?? false,
        parameters: s.parameters,
        text: own.text,
        state: s.state,
      };
    }),
    return: plan.return,
  };
}
