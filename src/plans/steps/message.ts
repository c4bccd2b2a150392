// The `message` step: tells the user something (its text may hold ${...}); nothing to check beyond references.
import type { StepKindSpec } from './common.js';

export const messageStep: StepKindSpec = {
  check: () => [],
  describe: (step) => ({ text: typeof step.message === 'string' ? step.message : JSON.stringify(step.message) }),
};
