// The CLI's own validation error; the exit codes live with the error vocabulary (src/errors).
import { ValidationError } from '../errors/index.js';

export { EXIT_OK, EXIT_TARGET_FAILED, EXIT_USAGE } from '../errors/index.js';

/** A problem with what the user asked for: bad flag, unknown task, invalid inventory or parameters. */
export class UsageError extends ValidationError {
  constructor(message: string) {
    super('regen/usage', message);
    this.name = 'UsageError';
  }
}
