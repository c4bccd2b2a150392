// `regen plan list` and `regen plan show NAME`, for people and as JSON.
import { existsSync } from 'node:fs';
import { loadInventory } from '../inventory/index.js';
import { loadPlan, type Plan, type PlanDescription, type PlanSummary } from '../plans/index.js';
import { DEFAULT_PROFILE, profileChoice, profileReads, profileValue, type ProfileChoice } from '../profiles/index.js';
import type { GlobalArgs } from './context.js';
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

export function printPlanDescription(plan: PlanDescription, profiles: PlanProfiles, format: Format): number {
  if (format === 'json') {
    printJson({ ...plan, profile: profiles });
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
  out.push('', ...profileLines(profiles));
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT_OK;
}

/** The profile values a plan reads, and which profile each of its default (or -t) targets uses. */
export interface PlanProfiles {
  targets: Array<{ target: string } & ProfileChoice>;
  /** Why no target is listed (no inventory, or the spec does not resolve), if none is. */
  targets_note?: string;
  reads: Array<{ path: string; value: unknown }>;
}

export async function planProfiles(plan: Plan, args: GlobalArgs): Promise<PlanProfiles> {
  const reads = profileReads(plan, (name) => loadPlan(name.replace(/^regen::/, ''))).map((p) => ({ path: p, value: profileValue(p) }));
  const spec = args.targets ?? (typeof plan.parameters.targets?.default === 'string' ? plan.parameters.targets.default : undefined);
  if (!spec) return { targets: [], targets_note: 'the plan has no default targets; give -t to see their profiles', reads };
  if (!existsSync(args.inventory)) return { targets: [], targets_note: `no inventory at ${args.inventory}: give -i FILE to see which profile '${spec}' uses`, reads };
  try {
    const targets = (await loadInventory(args.inventory)).resolve(spec);
    return { targets: targets.map((t) => ({ target: t.name, ...profileChoice(t) })), reads };
  } catch (e) {
    return { targets: [], targets_note: `targets '${spec}' not resolved (${(e as Error).message.split('\n')[0]})`, reads };
  }
}

function profileLines(p: PlanProfiles): string[] {
  const out = [`Profile (each target's var \`profile\`, default ${DEFAULT_PROFILE}; overrides under \`profile_overrides\`):`];
  for (const t of p.targets) out.push(`  ${t.target}: ${t.name} (${t.file})${t.overrides.length ? ` + overrides of ${t.overrides.join(', ')}` : ''}`);
  if (p.targets_note) out.push(`  ${p.targets_note}`);
  out.push(`Profile values it reads (as in ${DEFAULT_PROFILE}; a target's own profile and overrides apply at run time):`);
  for (const r of p.reads) out.push(`  ${r.path} = ${JSON.stringify(r.value)}`);
  return out;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
