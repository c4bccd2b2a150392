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
