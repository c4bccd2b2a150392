// Exit codes, decided here only: 0 ok, 1 some target failed, 2 usage or validation (the error types below).
import { ValidationError } from '../errors/index.js';
import type { PlanResult } from '../plans/result.js';

export const EXIT_OK = 0;
export const EXIT_TARGET_FAILED = 1;
export const EXIT_USAGE = 2;

/** A problem with what the user asked for: bad flag, unknown task, invalid inventory or parameters. */
export class UsageError extends ValidationError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A plan's exit code: a declined confirmation is the user's choice (2), any failed target 1. */
export function planExitCode(result: PlanResult): number {
  if (result.failure?.error.kind === 'regen/not-confirmed') return EXIT_USAGE;
  return result.status === 'success' ? EXIT_OK : EXIT_TARGET_FAILED;
}

/** The exit code of a command that threw: a problem with what was asked is 2, anything else 1. */
export function errorExitCode(e: unknown): number {
  return e instanceof ValidationError ? EXIT_USAGE : EXIT_TARGET_FAILED;
}
