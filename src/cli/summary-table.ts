// The end of a run as a table: one row per target with its result and the one value that matters, which the
// plan declares per step (`summary: {label, value}`, a dotted key of each target's result), then the counts.
import type { PlanResult, StepTargetOutcome } from '../plans/result.js';
import type { Plan } from '../plans/types.js';
import { clip, table } from '../util/text.js';

interface Row {
  result: string;
  value: string;
}

/** The table's lines, or none when the plan declares no summary (or in a dry run, whose listing says more). */
export function summaryLines(result: PlanResult, plan: Pick<Plan, 'steps'>): string[] {
  if (result.dry_run) return [];
  const declared = new Map(plan.steps.filter((s) => s.name && s.summary).map((s) => [s.name!, s.summary!]));
  if (declared.size === 0) return [];
  const label = [...new Set(declared.values())].map((s) => s.label).join(' / ');
  const rows = new Map<string, Row>();
  for (const step of result.steps) {
    const summary = declared.get(step.name);
    for (const t of step.targets) {
      if (t.status === 'failure') rows.set(t.target, { result: 'FAILED', value: failureText(step.name, t) });
      else if (summary && rows.get(t.target)?.result !== 'FAILED') {
        rows.set(t.target, { result: t.status === 'success' ? 'ok' : t.status, value: t.status === 'success' ? valueAt(t.value, summary.value) : '' });
      }
    }
  }
  for (const name of result.failed_targets) if (!rows.has(name)) rows.set(name, { result: 'FAILED', value: result.failure?.error.msg ?? '' });
  if (rows.size === 0) return [];
  const failed = [...rows.values()].filter((r) => r.result === 'FAILED').length;
  const n = rows.size;
  return [
    ...table(['TARGET', 'RESULT', label.toUpperCase()], [...rows].map(([name, r]) => [name, r.result, r.value])),
    `${n} target${n === 1 ? '' : 's'}: ${n - failed} ok, ${failed} failed`,
  ];
}

function failureText(stepName: string, t: StepTargetOutcome): string {
  const step = t.failure ? t.failure.path.join(' > ') : stepName;
  return clip(`step '${step}': ${t.failure?.error.msg ?? t.error?.msg ?? 'failed'}`, 110);
}

function valueAt(value: unknown, key: string): string {
  let v: unknown = value;
  for (const part of key.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  if (v === undefined || v === null) return '?';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
