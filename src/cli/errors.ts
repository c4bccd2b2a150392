import type { PlanResult } from '../plans/result.js';

// Exit codes and the one error type the CLI turns into "usage or validation" (exit 2).

export const EXIT_OK = 0;
export const EXIT_TARGET_FAILED = 1;
export const EXIT_USAGE = 2;

/** A problem with what the user asked for: bad flag, unknown task, invalid inventory or parameters. */
export class UsageError extends Error {
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
