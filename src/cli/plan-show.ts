// `regen plan list` and `regen plan show NAME`, for people and as JSON.
import type { PlanDescription, PlanSummary } from '../plans/index.js';
import { EXIT_OK } from './errors.js';
import { printJson, type Format } from './output.js';

export function printPlanList(plans: PlanSummary[], format: Format): number {
  const visible = plans.filter((p) => !p.private);
  if (format === 'json') {
    printJson(visible);
    return EXIT_OK;
  }
  const width = Math.max(...visible.map((p) => p.name.length));
  for (const p of visible) process.stdout.write(`${p.name.padEnd(width)}  ${p.error ? `INVALID: ${p.error}` : oneLine(p.description)}\n`);
  process.stdout.write('\nShow one with: regen plan show NAME\n');
  return EXIT_OK;
}

export function printPlanDescription(plan: PlanDescription, format: Format): number {
  if (format === 'json') {
    printJson(plan);
    return EXIT_OK;
  }
  const out: string[] = [plan.name, '', `  ${oneLine(plan.description)}`, '', `Usage: regen plan ${plan.name} [-t TARGETS] [key=value ...] [--dry-run] [--yes]`, '', 'Parameters:'];
  for (const p of plan.parameters) {
    const dflt = p.default === undefined ? (p.required ? '  (required)' : '') : `  (default: ${JSON.stringify(p.default)})`;
    out.push(`  ${p.name}  ${p.type}${dflt}`, ...(p.description ? [`      ${p.description}`] : []));
  }
  out.push('', 'Steps:');
  for (const s of plan.steps) {
    const doc = s.doc_step !== undefined ? `[doc ${s.doc_step}] ` : '';
    const what = s.object ? `${s.kind} ${s.object}` : s.kind;
    const extras = [s.for_each ? `for each of ${s.for_each}` : '', s.lock ? `lock ${s.lock}` : '', s.catch_errors ? 'errors caught' : '']
      .filter(Boolean).join(', ');
    out.push(`  ${String(s.index).padStart(2)}. ${doc}${s.name} — ${what}${extras ? ` (${extras})` : ''}`);
    const text = s.description ?? s.text;
    if (text) out.push(`        ${oneLine(text)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT_OK;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
