// A plan run's dealings with its site (the plan's `journal` and `site_lock`): before step one, take the lock
// and look for an unfinished run; before the first step that changes anything, write the journal; after
// every step, update it; at the end, finish it (or leave it, failed or interrupted, for --resume) and
// release the lock. A refused run changes nothing and leaves the journal it found as it was.
import { randomBytes } from 'node:crypto';
import { asText, evaluate } from '../plans/expr.js';
import type { PlanFailure, RegenError, StepOutcome } from '../plans/result.js';
import { PlanError, stepKind, type PlanStep, type SiteSpec } from '../plans/types.js';
import { scopeFor, targetsOf, type Frame } from './plan-scope.js';
import { holderIsGone, lockedState, SiteJournal, thisController, type Journal, type JournalStatus, type LockHolder, type SiteState } from './site-journal.js';
import { isReadOnly, tell } from './steps/common.js';

export interface SiteOptions {
  resume?: boolean;
  /** A sub-plan's journal (an agent's): an unfinished run of the same plan is continued, not refused. */
  continueUnfinished?: boolean;
  breakLock?: boolean;
  /** Seconds to wait for the tasks of a dead run still running on the host before stopping them. */
  orphanWaitSeconds?: number;
}

export type SiteOpening =
  | { kind: 'refused'; failure: PlanFailure }
  | { kind: 'open'; site?: SiteRun; resume?: { start: number; steps: Map<string, StepOutcome>; run: string } };

/** Opens the plan's site; a plan without `journal` or `site_lock` has none. */
export async function openSite(frame: Frame, opts: SiteOptions): Promise<SiteOpening> {
  const { plan, run } = frame;
  if (!plan.journal && !plan.site_lock) {
    if (opts.resume) throw new PlanError([`--resume: plan '${plan.name}' keeps no run journal; resume it with --from-step STEP`]);
    return { kind: 'open' };
  }
  const ctx = run.opts.ctx;
  const controller = thisController(ctx.session ?? newId(), ctx.log?.dir);
  const make = (spec: SiteSpec) => {
    const target = siteTarget(frame, spec);
    const dir = asText(evaluate(spec.dir, scopeFor(frame, target)).value);
    return new SiteJournal(target, dir, run.library.task('journal'), ctx, controller);
  };
  const journalSite = plan.journal ? make(plan.journal) : undefined;
  // The journal task is a shell script: a Windows host's sub-plan keeps none (a rerun redoes it from the start).
  if (journalSite?.target.config.transport === 'winrm' && !plan.site_lock) return { kind: 'open' };
  const lockSite = plan.site_lock
    ? (journalSite && sameSpec(plan.journal!, plan.site_lock) ? journalSite : make(plan.site_lock)) : undefined;
  const first = journalSite ?? lockSite!;

  const found = await first.read();
  if (!found.ok) return refuse(frame, first, found.error, undefined, 'the journal cannot be read, so nothing was changed');
  const old = journalSite && found.value.journal?.status !== 'done' ? found.value.journal : undefined;
  if (run.opts.dryRun) {
    if (old) tell(frame, 'journal', `[dry run] ${first.target.name} has an unfinished run of plan '${old.plan}' (${describeRun(old)}): a real run would be refused; continue it with --resume`, 'message');
    if (found.value.lock) tell(frame, 'journal', `[dry run] ${first.target.name}: ${describeHolder(found.value.lock)}; a real run would wait for it or need --break-lock`, 'message');
    return { kind: 'open' };
  }
  // A run still in progress (its holder alive, or on another machine) is reported as such, not as a journal to resume.
  const held = found.value.lock;
  if (held && !opts.breakLock && !holderIsGone(held)) {
    return refuse(frame, first, lockError(first, held), old);
  }
  if (opts.resume && !old) {
    return refuse(frame, first, { kind: 'regen/nothing-to-resume', msg: `--resume: ${first.target.name} has no unfinished run of plan '${plan.name}' in ${first.dir}; run the plan without --resume` });
  }
  if (old && old.plan !== plan.name) {
    return refuse(frame, first, { kind: 'regen/unfinished-run', msg: `${first.target.name} is in the middle of a run of plan '${old.plan}' (${describeRun(old)}); finish that one first (regen plan ${old.plan} --resume) or restore the host` }, old);
  }
  if (old && !opts.resume && !opts.continueUnfinished) {
    return refuse(frame, first, { kind: 'regen/unfinished-run', msg: `${first.target.name} is in the middle of an earlier run of this plan (${describeRun(old)}); regen will not start over on a host it has already changed` }, old);
  }

  const runId = old?.run ?? newRunId();
  let lockSiteLocked = false;
  if (lockSite) {
    let locked = await lockSite.lock(runId, plan.name, opts.breakLock ?? false, old?.controller.session);
    const holder = locked.ok ? undefined : lockedState(locked.error)?.lock;
    if (!locked.ok && holder && old && holder.run === old.run && holderIsGone(holder)) {
      tell(frame, 'journal', `${lockSite.target.name}: taking over the lock of run ${old.run}, whose process (pid ${holder.pid} on this machine) is gone`, 'message');
      locked = await lockSite.lock(runId, plan.name, true, old.controller.session);
    }
    if (!locked.ok) {
      const h = lockedState(locked.error)?.lock;
      return refuse(frame, lockSite, h ? lockError(lockSite, h) : locked.error, old);
    }
    lockSiteLocked = true;
  }
  const site = new SiteRun(frame, journalSite, lockSite, lockSiteLocked, runId, controller.session, old);
  if (!old) return { kind: 'open', site };

  const orphans = await first.read(old.controller.session);
  if (orphans.ok && orphans.value.orphans.length > 0) {
    tell(frame, 'journal', `${first.target.name}: ${orphans.value.orphans.length} process(es) of the interrupted run are still running there; waiting up to ${opts.orphanWaitSeconds ?? 30} s for them to end, then stopping them`, 'message');
    const stopped = await first.stopOrphans(old.controller.session, opts.orphanWaitSeconds ?? 30);
    if (!stopped.ok) {
      await site.close('failed', old.steps);
      return refuse(frame, first, stopped.error, old);
    }
  }
  const stopped = frame.plan.steps.find((s) => s.name === old.next_step);
  const from = stopped?.resume_from ?? old.next_step;
  const start = frame.plan.steps.findIndex((s) => s.name === from);
  if (!stopped || start < 0) {
    await site.close('failed', old.steps);
    return refuse(frame, first, { kind: 'regen/journal', msg: `the journal's next step '${old.next_step}' is not a step of plan '${plan.name}' (was the plan changed?); restore the host or resume with --from-step` }, old);
  }
  const redo = from !== old.next_step ? ` (it stopped at '${old.next_step}', which may have been half done: redoing from '${from}')` : '';
  const stands = statesOf(old.steps).at(-1);
  const backup = hintsOf(old.steps)?.backup;
  tell(frame, 'journal', `resuming run ${old.run} on ${first.target.name} at step '${from}'${redo} (${describeRun(old)})` +
    `${stands ? `; where it stands: ${stands}` : ''}${backup ? `; its backup: ${backup}` : ''}`, 'message');
  const before = new Set(frame.plan.steps.slice(0, start).map((s) => s.name));
  const steps = old.steps.filter((s) => before.has(s.name)).map((s) => [s.name, { ...s, resumed: undefined }] as const);
  return { kind: 'open', site, resume: { start, steps: new Map(steps), run: old.run } };
}

/** The journal and lock of one running plan. */
export class SiteRun {
  private journal?: Journal;

  constructor(
    private readonly frame: Frame,
    private readonly journalSite: SiteJournal | undefined,
    private readonly lockSite: SiteJournal | undefined,
    private locked: boolean,
    readonly run: string,
    private readonly session: string,
    resumed: Journal | undefined,
  ) {
    if (resumed && journalSite) this.journal = { ...resumed, status: 'running', controller: journalSite.controller, failure: undefined };
  }

  /** Whether the journal is being kept (from the first change on). */
  get begun(): boolean {
    return this.journal !== undefined;
  }

  /** Before a step: the first one that changes something gets the journal written first; an error stops the plan. */
  async beforeStep(step: PlanStep, outcomes: StepOutcome[]): Promise<RegenError | undefined> {
    if (!this.journalSite || this.journal || !changesSomething(this.frame, step)) return undefined;
    const now = new Date().toISOString();
    const journal: Journal = {
      run: this.run, plan: this.frame.plan.name, target: this.journalSite.target.name, status: 'running',
      started_at: now, updated_at: now, controller: this.journalSite.controller, next_step: step.name, steps: completed(outcomes),
    };
    const written = await this.journalSite.write(journal);
    if (!written.ok) {
      return { kind: 'regen/journal', msg: `${this.journalSite.target.name}: cannot write the run journal in ${this.journalSite.dir} before the first change, so this run changed nothing: ${written.error.msg}`, cause: written.error };
    }
    this.journal = journal;
    return undefined;
  }

  /** After a step: the journal records what completed and where a resume starts. */
  async afterStep(outcomes: StepOutcome[], next: string | undefined, failure?: PlanFailure): Promise<void> {
    if (!this.journal) return;
    this.journal = { ...this.journal, status: failure ? 'failed' : 'running', steps: completed(outcomes), next_step: failure?.resume.from_step ?? next, failure, updated_at: new Date().toISOString() };
    const written = await this.journalSite!.write(this.journal);
    if (!written.ok) tell(this.frame, 'journal', `WARNING: could not update the run journal on ${this.journalSite!.target.name}: ${written.error.msg} (the controller's state file still has it)`, 'message');
  }

  /** The end of the run: a finished journal is archived (DIR/runs/RUN.json); the lock is released. */
  async close(status: JournalStatus, outcomes: StepOutcome[], failure?: PlanFailure): Promise<string[]> {
    const problems: string[] = [];
    if (this.journal) {
      this.journal = { ...this.journal, status, steps: completed(outcomes), failure, updated_at: new Date().toISOString(), ...(status === 'done' ? { next_step: undefined } : {}) };
      const saved = status === 'done' ? await this.journalSite!.finish(this.journal) : await this.journalSite!.write(this.journal);
      if (!saved.ok) problems.push(`the run journal on ${this.journalSite!.target.name} could not be ${status === 'done' ? 'archived' : 'updated'}: ${saved.error.msg}`);
    }
    if (this.locked && this.lockSite) {
      const released = await this.lockSite.unlock();
      if (released.ok) this.locked = false;
      else problems.push(`the lock on ${this.lockSite.target.name} (${this.lockSite.dir}/regen.lock) could not be released: ${released.error.msg}; remove it or use --break-lock next time`);
    }
    for (const p of problems) tell(this.frame, 'journal', `WARNING: ${p}`, 'message');
    return problems;
  }

  get sessionId(): string {
    return this.session;
  }
}

/** A step changes the host unless it is a message, a confirm or a read-only task. */
function changesSomething(frame: Frame, step: PlanStep): boolean {
  const kind = stepKind(step);
  if (kind === 'message' || kind === 'confirm') return false;
  if (kind === 'task') return !isReadOnly(frame.run.library.task(step.task!));
  return true;
}

/** The outcomes a resume may reuse: completed steps (a for_each batch counts: its failed targets re-run with --rerun). */
function completed(outcomes: StepOutcome[]): StepOutcome[] {
  return outcomes.filter((o) => o.status === 'success' || o.caught || o.batch);
}

function refuse(frame: Frame, site: SiteJournal, error: RegenError, journal?: Journal, note?: string): SiteOpening {
  const steps = journal?.steps ?? [];
  const recovery = hintsOf(steps);
  return {
    kind: 'refused',
    failure: {
      plan: frame.plan.name, step: 'journal', path: ['journal'], target: site.target.name, error, errors: [{ target: site.target.name, error }],
      description: note ?? `check ${site.dir} on ${site.target.name} for an unfinished run and the site lock`,
      states: statesOf(steps), completed: [], recovery,
      resume: journal && journal.plan === frame.plan.name ? { from_step: journal.next_step ?? '', journal: true } : { from_step: '' },
      refused: true,
    },
  };
}

/**
 * The failure hints in force after these steps: the latest backup and restore, and the latest `start`
 * (the command that starts again what was stopped; a later step's empty `start` says they run again).
 */
export function hintsOf(outcomes: StepOutcome[]): PlanFailure['recovery'] {
  let hints: NonNullable<PlanFailure['recovery']> | undefined;
  for (const o of outcomes) {
    const r = o.recovery;
    if (!r) continue;
    if (r.backup !== undefined || r.restore !== undefined) hints = { ...hints, target: r.target, backup: r.backup, restore: r.restore };
    if (r.start !== undefined) hints = { ...hints, start: r.start === '' ? undefined : r.start };
  }
  return hints;
}

/** The `state` notes of completed steps, sub-plans' included, in order. */
export function statesOf(outcomes: StepOutcome[]): string[] {
  return outcomes.flatMap((o) => [...(o.steps ? statesOf(o.steps) : []), ...(o.state ? [o.state] : [])]);
}

function describeRun(j: Journal): string {
  const last = completed(j.steps).at(-1)?.name;
  return `run ${j.run} by ${j.controller.user}@${j.controller.host} pid ${j.controller.pid}, started ${j.started_at}, ${j.status} at ${j.updated_at}` +
    `${last ? `, last step completed: ${last}` : ''}`;
}

function lockError(site: SiteJournal, h: LockHolder): RegenError {
  return {
    kind: 'regen/locked',
    msg: `${site.target.name}: ${describeHolder(h)}. Wait for that run to end; if it is gone, run again with --break-lock`,
    details: { holder: h, dir: site.dir },
  };
}

function describeHolder(h: LockHolder): string {
  const gone = holderIsGone(h) ? ' (that process is gone: the lock is stale)' : '';
  return `the site is locked by run ${h.run} of plan '${h.plan}', ${h.user}@${h.controller} pid ${h.pid}, since ${h.started_at}${gone}`;
}

function siteTarget(frame: Frame, spec: SiteSpec) {
  const { targets, pending } = targetsOf(frame, spec.target);
  if (pending.length > 0 || targets.length !== 1) {
    throw new PlanError([`${frame.plan.source.file}: journal/site_lock target '${spec.target}' must name exactly one host (it names ${targets.length})`]);
  }
  return targets[0];
}

function sameSpec(a: SiteSpec, b: SiteSpec): boolean {
  return a.target === b.target && a.dir === b.dir;
}

function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${newId()}`;
}

export function newId(): string {
  return randomBytes(4).toString('hex');
}

export type { SiteState };
