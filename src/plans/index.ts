// The plans concept: load (plans/NAME.yaml), validate, describe, evaluate ${...}. Running lives in
// src/runner/run-plan.ts (runPlan).
export { PlanError, shortName, stepKind, stepLabel } from './types.js';
export type { Plan, PlanParameter, PlanSource, PlanStep, StepKind } from './types.js';
export { loadPlan, parsePlan, planNames, PLAN_SCHEMA_FILE } from './load.js';
export { checkPlan, PlanLibrary, validatePlan } from './validate.js';
export { parsePlanParams, planParameterType, redactPlanParams, resolvePlanParams, sensitivePlanParams } from './params.js';
export { describePlan, listPlans } from './describe.js';
export type { PlanDescription, PlanSummary, StepDescription } from './describe.js';
export { evaluate, ExpressionError, parseTemplate, Pending } from './expr.js';
export type { Scope } from './expr.js';
export type { PlanFailure, PlanResult, RegenError, StepOutcome, StepStatus, StepTargetOutcome } from './result.js';
