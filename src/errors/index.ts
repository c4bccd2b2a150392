// regen's one error vocabulary, as Bolt's `_error` object is its: what failed (`kind`, namespaced as
// `regen/...` or a task's own), a message that says what to do, and details. Tasks print it, steps and
// plans carry it, the run log stores it, the reporter and the CLI show it.

/** The `_error` object of a task's output, a failed step or a failed plan. */
export interface ErrorObject {
  kind: string;
  msg: string;
  details?: Record<string, unknown>;
}

/** Every status a target, a step or a plan can end in. `would_run`: a dry run's step (nothing ran). */
export type Status = 'success' | 'failure' | 'would_run' | 'skipped';

/** An error regen raises on purpose, convertible to an ErrorObject; `cause` keeps what set it off. */
export class RegenError extends Error {
  readonly kind: string;
  readonly details?: Record<string, unknown>;

  constructor(kind: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.details = options.details;
  }

  toObject(): ErrorObject {
    return this.details ? { kind: this.kind, msg: this.message, details: this.details } : { kind: this.kind, msg: this.message };
  }
}

/**
 * What the user asked for is wrong and nothing ran: a bad flag, an unknown task or plan, an invalid
 * inventory, plan, profile or parameter. The CLI exits 2 for these, and only for these.
 */
export class ValidationError extends RegenError {}

export const EXIT_OK = 0;
export const EXIT_TARGET_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * The exit code of a finished run: 0 when every target succeeded, 1 when some failed, 2 when the user
 * refused a confirmation (the plan stopped before its first change: nothing was asked of a target).
 */
export function exitCodeOfRun(failed: boolean, error?: ErrorObject): number {
  if (error?.kind === 'regen/not-confirmed') return EXIT_USAGE;
  return failed ? EXIT_TARGET_FAILED : EXIT_OK;
}

/** The exit code for an error that stopped a command before or outside any target's work. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ValidationError ? EXIT_USAGE : EXIT_TARGET_FAILED;
}
