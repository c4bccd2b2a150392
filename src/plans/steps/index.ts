// The step kinds a plan may use, one module each (execution lives in src/runner/steps/).
import type { StepKind } from '../types.js';
import type { StepKindSpec } from './common.js';
import { confirmStep } from './confirm.js';
import { messageStep } from './message.js';
import { planStep } from './plan.js';
import { taskStep } from './task.js';

export type { StepCheck, StepKindSpec } from './common.js';

export const STEP_KINDS: Record<StepKind, StepKindSpec> = { task: taskStep, plan: planStep, message: messageStep, confirm: confirmStep };
