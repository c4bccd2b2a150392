// The run journal and the site lock, kept on a host by the `journal` task (tasks/journal.sh): the journal
// says what a run has done to the host, so a later run (from any controller) knows where it stands; the
// lock lets one run at a time change the site. This module only talks to the task; when to lock, write
// and finish is the plan run's (site-run.ts).
import { hostname, userInfo } from 'node:os';
import type { Target } from '../inventory/types.js';
import type { PlanFailure, RegenError, StepOutcome } from '../plans/result.js';
import type { Task } from '../tasks/types.js';
import type { RunContext } from './run-task.js';
import { runTaskOnTarget } from './run-task.js';

export type JournalStatus = 'running' | 'failed' | 'interrupted' | 'done';

/** What an unfinished run did to the host: enough for another run to tell where it stands and to resume it. */
export interface Journal {
  run: string;
  plan: string;
  target: string;
  status: JournalStatus;
  started_at: string;
  updated_at: string;
  controller: Controller;
  /** The first step not completed: where `--resume` starts. */
  next_step?: string;
  /** The steps that completed, with their results (later steps' parameters refer to them). */
  steps: StepOutcome[];
  failure?: PlanFailure;
}

export interface Controller {
  host: string;
  user: string;
  pid: number;
  /** Names this process's task directories on the hosts (regen.SESSION.*): how orphans are found. */
  session: string;
  log_dir?: string;
}

/** Who holds the lock (DIR/regen.lock/owner.json). */
export interface LockHolder {
  run: string;
  session: string;
  plan: string;
  controller: string;
  pid: number;
  user: string;
  started_at: string;
}

/** What the host holds in DIR. */
export interface SiteState {
  journal?: Journal;
  lock?: LockHolder;
  /** Processes of the asked session's tasks still running on the host. */
  orphans: Array<{ pid: number; pgid: number }>;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: RegenError };

export function thisController(session: string, logDir?: string): Controller {
  return { host: safeName(hostname()), user: safeName(userInfo().username), pid: process.pid, session, log_dir: logDir };
}

export class SiteJournal {
  constructor(
    readonly target: Target,
    readonly dir: string,
    private readonly task: Task,
    private readonly ctx: RunContext,
    readonly controller: Controller,
  ) {}

  read(orphansOf?: string): Promise<Reply<SiteState>> {
    return this.call('read', { orphans_of: orphansOf }).then(mapOk(stateOf));
  }

  /** Takes the lock; when another run holds it, the error's details are that SiteState. */
  lock(run: string, plan: string, breakLock: boolean, orphansOf?: string): Promise<Reply<SiteState>> {
    const c = this.controller;
    return this.call('lock', {
      run, plan, controller: c.host, user: c.user, pid: c.pid, break_lock: breakLock, orphans_of: orphansOf,
    }).then(mapOk(stateOf));
  }

  write(journal: Journal): Promise<Reply<unknown>> {
    return this.call('write', { run: journal.run, journal });
  }

  finish(journal: Journal): Promise<Reply<unknown>> {
    return this.call('finish', { run: journal.run, journal });
  }

  unlock(): Promise<Reply<unknown>> {
    return this.call('unlock', {});
  }

  stopOrphans(session: string, waitSeconds: number): Promise<Reply<unknown>> {
    return this.call('stop_orphans', { orphans_of: session, wait_seconds: waitSeconds });
  }

  private async call(action: string, params: Record<string, unknown>): Promise<Reply<unknown>> {
    const { journal, ...rest } = params;
    // `journal` goes last: the task reads its small parameters from the part of its input before it.
    const ordered = { action, dir: this.dir, session: this.controller.session, ...dropUndefined(rest), ...(journal ? { journal } : {}) };
    // Never cut short by Ctrl-C: after an interrupt the journal still has to be written and the lock released.
    const ctx = { ...this.ctx, signal: undefined, dryRun: action === 'read' ? false : this.ctx.dryRun };
    const result = await runTaskOnTarget(this.target, this.task, ordered, ctx, `journal.${action}`);
    if (result.status === 'failure') return { ok: false, error: result.value._error! };
    return { ok: true, value: result.value };
  }
}

function stateOf(value: unknown): SiteState {
  const v = value as { journal?: { journal?: Journal } | null; lock?: LockHolder | null; orphans?: SiteState['orphans'] };
  return { journal: v.journal?.journal ?? undefined, lock: v.lock ?? undefined, orphans: v.orphans ?? [] };
}

/** The state a refused lock reports in its error details. */
export function lockedState(error: RegenError): SiteState | undefined {
  return error.kind === 'regen/locked' && error.details ? stateOf(error.details) : undefined;
}

function mapOk<T>(f: (v: unknown) => T): (r: Reply<unknown>) => Reply<T> {
  return (r) => (r.ok ? { ok: true, value: f(r.value) } : r);
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._@-]/g, '_') || 'unknown';
}

/** Whether a lock's holder is known to be gone: it ran on this machine and its process no longer exists. */
export function holderIsGone(holder: LockHolder): boolean {
  if (holder.controller !== safeName(hostname())) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
