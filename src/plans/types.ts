// A plan as loaded from plans/NAME.yaml (see plans/plan.schema.json), and the problems found in one.
import { ValidationError } from '../errors/index.js';

export interface PlanParameter {
  /** A Puppet type string, or TargetSpec (a target name, group, glob or a list of them). */
  type?: string;
  default?: unknown;
  description?: string;
  sensitive?: boolean;
}

export type StepKind = 'task' | 'plan' | 'message' | 'confirm';

/** One step exactly as written; values may hold ${...} expressions. */
export interface PlanStep {
  name?: string;
  description?: string;
  doc_step?: string | number;
  task?: string;
  plan?: string;
  message?: unknown;
  confirm?: string;
  targets?: string | string[];
  parameters?: Record<string, unknown>;
  catch_errors?: boolean;
  state?: string;
  /** Failure hint: once this step succeeded, where the backup of what later steps change is. */
  backup?: string;
  /** Failure hint: once this step succeeded, the command that puts the host back as it was. */
  restore?: string;
  /** Failure hint: the command that starts again what this step stopped; '' once a step has started it again. */
  start?: string;
  lock?: string;
  /** An earlier step: a run that stopped at this one (perhaps half done) is resumed from there. */
  resume_from?: string;
  /** A list parameter of the task: concurrent sub-plans' calls of this step on one target are merged into one call. */
  merge?: string;
  for_each?: string | string[];
  /** The one value of the step's result shown per target at the end of a run: a heading and a dotted key of the result. */
  summary?: { label: string; value: string };
  concurrency?: number | string;
}

/** Where a plan came from, to name the file and line of every problem. */
export interface PlanSource {
  file: string;
  /** The 1-based line of the value at a path such as ['steps', 3, 'parameters', 'name']; the nearest existing parent's line otherwise. */
  lineOf(path: ReadonlyArray<string | number>): number;
}

export interface Plan {
  /** The plan's name: its file name without .yaml (e.g. "master"). */
  name: string;
  description?: string;
  private?: boolean;
  parameters: Record<string, PlanParameter>;
  steps: PlanStep[];
  return?: unknown;
  /** The key of `return` holding the verification checks ([{name, ok}]), shown as a count. */
  verification?: string;
  /** Where the run journal is kept (one host, one directory), so a later run knows what this one did. */
  journal?: SiteSpec;
  /** A plan that re-enrolls agents: its parameters naming the agents and the CA master (see `regen coverage`). */
  coverage?: { agents: string; master: string };
  /** Where the site lock is held for the whole run. */
  site_lock?: SiteSpec;
  source: PlanSource;
}

/** One host and a directory on it, as ${...} expressions: ${targets} and ${profile.backup_dir}. */
export interface SiteSpec {
  target: string;
  dir: string;
}

/** Plans the user cannot run as asked: invalid plan, bad parameters, unknown step to resume from. Exit code 2. */
export class PlanError extends ValidationError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PlanError';
  }
}

export function stepKind(step: PlanStep): StepKind | undefined {
  if (step.task !== undefined) return 'task';
  if (step.plan !== undefined) return 'plan';
  if (step.message !== undefined) return 'message';
  if (step.confirm !== undefined) return 'confirm';
  return undefined;
}

/** How a step is named in messages: its name, else its position and kind. */
export function stepLabel(step: PlanStep, index: number): string {
  if (step.name) return step.name;
  const kind = stepKind(step);
  return `step ${index + 1}${kind ? ` (${kind})` : ''}`;
}

/** "regen::name" and "name" name the same task or plan. */
export function shortName(name: string): string {
  return name.startsWith('regen::') ? name.slice('regen::'.length) : name;
}
