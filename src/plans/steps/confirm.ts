// The `confirm` step: asks the user before going on (a declined answer stops the plan).
import type { StepKindSpec } from './common.js';

export const confirmStep: StepKindSpec = {
  check: () => [],
  describe: (step) => ({ text: step.confirm }),
};
