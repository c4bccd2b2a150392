// Reading plans/NAME.yaml: YAML with line numbers, then the JSON schema (plans/plan.schema.json).
// Every problem is reported as FILE:LINE: where: what.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { PLANS_DIR } from '../tasks/bundle.js';
import { editDistance } from '../util/text.js';
import { PlanError, shortName, stepKind, stepLabel, type Plan, type PlanSource, type PlanStep } from './types.js';

export const PLAN_SCHEMA_FILE = path.join(PLANS_DIR, 'plan.schema.json');
const PLAN_NAME = /^[a-z][a-z0-9_]*$/;

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(PLAN_SCHEMA_FILE, 'utf8')));
  return validator;
}

/** The names of the plans in a directory (plans/*.yaml that are plans). */
export function planNames(dir = PLANS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .filter((n) => PLAN_NAME.test(n))
    .sort();
}

/** Loads a plan by name ("master", "regen::master") from `dir`, or by path (anything ending in .yaml). */
export function loadPlan(nameOrFile: string, dir = PLANS_DIR): Plan {
  const file = nameOrFile.endsWith('.yaml') || nameOrFile.endsWith('.yml')
    ? path.resolve(nameOrFile)
    : path.join(dir, `${shortName(nameOrFile)}.yaml`);
  if (!existsSync(file)) {
    const wanted = shortName(nameOrFile);
    const near = planNames(dir).filter((n) => n.includes(wanted) || wanted.includes(n) || editDistance(n, wanted) <= 2);
    const hint = near.length > 0 ? ` Did you mean: ${near.join(', ')}?` : ' Run `regen plan list` to see them.';
    throw new PlanError([`unknown plan '${nameOrFile}' (no ${file}).${hint}`]);
  }
  return parsePlan(readFileSync(file, 'utf8'), file);
}

/** Parses plan text; throws PlanError with every YAML and schema problem, each with its file and line. */
export function parsePlan(text: string, file: string): Plan {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: false, prettyErrors: false });
  const source: PlanSource = { file, lineOf: (p) => lineOf(doc, lineCounter, p) };
  const yamlProblems = [...doc.errors].map((e) => {
    const what = e.code === 'DUPLICATE_KEY' ? 'duplicate key' : `invalid YAML: ${e.message.split('\n')[0]}`;
    return `${file}:${lineCounter.linePos(e.pos[0]).line}: ${what}`;
  });
  if (yamlProblems.length > 0) throw new PlanError(yamlProblems);
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const validate = schemaValidator();
  if (!validate(data)) throw new PlanError(schemaProblems(validate.errors ?? [], data, source));
  const raw = data as { description?: string; private?: boolean; parameters?: Plan['parameters']; steps: PlanStep[]; return?: unknown; verification?: string; journal?: Plan['journal']; coverage?: Plan['coverage']; site_lock?: Plan['site_lock'] };
  return {
    name: path.basename(file).replace(/\.ya?ml$/, ''),
    description: raw.description,
    private: raw.private,
    parameters: raw.parameters ?? {},
    steps: raw.steps,
    return: raw.return,
    verification: raw.verification,
    journal: raw.journal,
    coverage: raw.coverage,
    site_lock: raw.site_lock,
    source,
  };
}

function lineOf(doc: Document, lc: LineCounter, at: ReadonlyArray<string | number>): number {
  for (let n = at.length; n > 0; n--) {
    const parent = (n === 1 ? doc.contents : doc.getIn(at.slice(0, n - 1), true)) as Node | null | undefined;
    const key = at[n - 1];
    let start: number | undefined;
    if (isMap(parent)) start = (parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key))?.key as Node | undefined)?.range?.[0];
    else if (isSeq(parent) && typeof key === 'number') start = (parent.items[key] as Node | undefined)?.range?.[0];
    if (start !== undefined) return lc.linePos(start).line;
  }
  const root = doc.contents as Node | null;
  return root?.range ? lc.linePos(root.range[0]).line : 1;
}

/** Turns ajv's errors into one readable problem per place, naming the step by its name. */
function schemaProblems(errors: ErrorObject[], data: unknown, source: PlanSource): string[] {
  const steps = Array.isArray((data as { steps?: unknown }).steps) ? ((data as { steps: PlanStep[] }).steps) : [];
  const byPlace = new Map<string, Set<string>>();
  const add = (place: string, message: string) => byPlace.set(place, (byPlace.get(place) ?? new Set()).add(message));
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'oneOf') continue;
    const at: Array<string | number> = e.instancePath.split('/').slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      at.push(key);
      message = `unknown key '${key}'`;
    } else if (e.keyword === 'required') {
      message = `missing '${(e.params as { missingProperty: string }).missingProperty}'`;
    }
    const index = at[0] === 'steps' && typeof at[1] === 'number' ? at[1] : undefined;
    const step = index === undefined ? undefined : steps[index];
    if (index !== undefined && step && typeof step === 'object' && !Array.isArray(step)) {
      if (!stepKind(step)) {
        const keys = Object.keys(step).join(', ') || 'nothing';
        add(`${source.file}:${source.lineOf(at.slice(0, 2))}: ${stepLabel(step, index)}`,
          `a step needs one of task, plan, message or confirm (it has: ${keys})`);
        continue;
      }
      const rest = at.slice(2).join('.');
      add(`${source.file}:${source.lineOf(at)}: ${stepLabel(step, index)}${rest ? `: ${rest}` : ''}`, message);
      continue;
    }
    add(`${source.file}:${source.lineOf(at)}: ${at.join('.') || 'plan'}`, message);
  }
  return [...byPlace].map(([place, messages]) => `${place}: ${[...messages].join(' or ')}`);
}
