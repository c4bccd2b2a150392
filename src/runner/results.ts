// What a run produces per target, in the shape of Bolt's result JSON.
import type { RegenError, StepStatus } from '../plans/result.js';
import type { ExecResult } from '../transports/types.js';
import type { ItemEnd } from './reporter.js';

export interface TargetResult {
  target: string;
  action: 'task' | 'message';
  object: string;
  status: Extract<StepStatus, 'success' | 'failure' | 'skipped'>;
  value: Record<string, unknown> & { _error?: RegenError };
}

/** Turns what a task printed into its result, following Bolt's rules for JSON and non-JSON output. */
export function taskResult(target: string, task: string, exec: ExecResult): TargetResult {
  const parsed = parseObject(exec.stdout);
  const value: TargetResult['value'] = parsed ?? { _output: exec.stdout.trim() === '' ? '' : exec.stdout };
  if (exec.timedOut) {
    value._error = {
      kind: 'regen/timeout',
      msg: `task '${task}' timed out after ${Math.round(exec.durationMs / 1000)}s on ${target} and was stopped`,
      details: { stderr: tail(exec.stderr) },
    };
  } else if (exec.exitCode !== 0 && !value._error) {
    value._error = {
      kind: 'puppetlabs.tasks/task-error',
      msg: `task '${task}' exited ${exec.exitCode ?? 'without a code'} on ${target}${exec.stderr.trim() ? `: ${tail(exec.stderr)}` : ''}`,
      details: { exit_code: exec.exitCode },
    };
  }
  const failed = exec.timedOut || exec.exitCode !== 0 || value._error !== undefined;
  return { target, action: 'task', object: task, status: failed ? 'failure' : 'success', value };
}

/** A result for a target the task never reached (connection refused, host key mismatch...). */
export function failureResult(target: string, object: string, error: RegenError): TargetResult {
  return { target, action: 'task', object, status: 'failure', value: { _error: error } };
}

/** How a task's result ends its line in the progress tree: the task's own summary, status or message. */
export function itemEnd(result: TargetResult): ItemEnd {
  if (result.status === 'failure') return { status: 'failure', error: result.value._error?.msg ?? 'failed' };
  if (result.status === 'skipped') return { status: 'skipped' };
  const said = ['summary', 'status', 'message'].map((k) => result.value[k]).find((v) => typeof v === 'string');
  return { status: 'success', summary: typeof said === 'string' ? said : undefined };
}

function parseObject(stdout: string): Record<string, unknown> | undefined {
  const text = stdout.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
