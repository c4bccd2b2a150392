// The error vocabulary every layer shares: the one error object of results (RegenError, Bolt's `_error`),
// and the one kind of exception that means "what was asked cannot be done as asked" (exit code 2).

/**
 * The one error of every result, as Bolt's `_error` object: a task's `_error`, a target's or a step's error,
 * where a plan stopped. `kind` is "regen/WHAT" (or the task's own kind), `msg` says what to do next.
 */
export interface RegenError {
  kind: string;
  msg: string;
  details?: Record<string, unknown>;
  /** The error this one reports on (a sub-plan's step's, a task's own). */
  cause?: RegenError;
}

/**
 * A problem with what the user asked for, found before anything ran on a target: a bad flag, an invalid
 * inventory, plan or task, unknown targets. The CLI prints its message (no stack) and exits 2.
 */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
