// `regen task list | show NAME | [run] NAME -t SPEC key=value ...`
import type { Argv } from 'yargs';
import type { CommandSpec } from './commands.js';
import { recordRun } from '../runner/rerun.js';
import { runTask } from '../runner/run-task.js';
import { findTask, implementationsOf } from '../tasks/load.js';
import { loadTaskLibrary } from '../tasks/modulepath.js';
import { checkParameters, parseKeyValues, type Params } from '../tasks/parameters.js';
import { checkPathParameters } from '../tasks/paths.js';
import type { Task } from '../tasks/types.js';
import { DEFAULT_PROFILE, profileNameOf, profileTaskParameters } from '../profiles/index.js';
import { createRunContext, paramsFromFlag, rerunFile, selectTargets, withRunOptions, type GlobalArgs } from './context.js';
import { EXIT_OK, EXIT_TARGET_FAILED, UsageError } from './errors.js';
import { printHumanResults, printJson, withElapsedTime } from './output.js';

interface TaskArgs extends GlobalArgs {
  name?: string;
  words: string[];
  params?: string;
  modulepath?: string;
  project?: string;
}

export function taskCommand(y: Argv, spec: CommandSpec) {
  return y.command(
    spec.command,
    spec.describe,
    (cmd) => withRunOptions(cmd)
      .positional('name', { type: 'string', describe: 'A task name, or list / show / run' })
      .positional('words', { type: 'string', array: true, default: [], describe: 'key=value parameters' })
      .option('params', { type: 'string', describe: 'Parameters as a JSON object, @file holding one, or - to read it from stdin' })
      .option('project', { type: 'string', describe: 'Bolt project directory whose modules/ and .modules/ hold more tasks (default: the working directory)' })
      .option('modulepath', { type: 'string', describe: 'Module directories, colon-separated, searched instead of the project\'s modules/' })
      .example('$0 task list', 'List the tasks of the bundle')
      .example('$0 task show cert_list', 'Show what a task does and its parameters')
      .example('$0 task service -t agents name=pe-puppet action=status', 'Query a service on every agent')
      .example('$0 task backup -t master --params \'{"paths":["/etc/puppetlabs/puppet/ssl"]}\' --dry-run', 'Show what a backup would do'),
    async (argv) => {
      process.exitCode = await runTaskCommand(argv as unknown as TaskArgs);
    },
  );
}

async function runTaskCommand(args: TaskArgs): Promise<number> {
  const library = loadTaskLibrary({ project: args.project, modulepath: args.modulepath });
  for (const w of library.warnings) process.stderr.write(`Warning: ${w}\n`);
  const tasks = library.tasks;
  const [first, ...rest] = [args.name ?? '', ...args.words];
  if (first === 'list') return listTasks(tasks, args);
  if (first === 'show') return showTask(findTask(tasks, rest[0] ?? missing('regen task show NAME')), args);
  const [taskName, ...words] = first === 'run' ? rest : [first, ...rest];
  const task = findTask(tasks, taskName ?? missing('regen task run NAME -t TARGETS'));
  const params = { ...paramsFromFlag(args.params), ...parsed(task, words) };
  // The user's values first, with the default profile standing in for what each target's profile will give.
  refuseProblems(task, checkParameters(task, { ...profileTaskParameters(task, undefined, params), ...params }));
  refuseProblems(task, checkPathParameters(task, params));
  if (args['dry-run'] && !task.metadata.supports_noop) {
    throw new UsageError(`task '${task.name}' does not support --dry-run (no-op mode), so it was not run`);
  }
  const targets = await selectTargets(args);
  const perTarget = new Map(targets.map((t) => [t.name, { ...profileTaskParameters(task, t, params), ...params }]));
  for (const t of targets) {
    const problems = [...checkParameters(task, perTarget.get(t.name)!), ...checkPathParameters(task, perTarget.get(t.name)!)];
    refuseProblems(task, problems.map((p) => `${t.name} (profile ${profileNameOf(t)}): ${p}`));
  }
  const ctx = createRunContext(args, `task-${task.name}`, targets);
  const started = Date.now();
  try {
    const items = await runTask(task, targets, (t) => perTarget.get(t.name)!, ctx, { concurrency: args.concurrency });
    recordRun(rerunFile(args), `task ${task.name}`, items);
    const summary = withElapsedTime({ items, target_count: targets.length, elapsed_ms: Date.now() - started, log_dir: ctx.log.dir });
    if (args.format === 'json') printJson(summary);
    else printHumanResults(summary);
    return items.some((i) => i.status === 'failure') ? EXIT_TARGET_FAILED : EXIT_OK;
  } finally {
    await ctx.pool.closeAll();
  }
}

function refuseProblems(task: Task, problems: string[]): void {
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\nSee \`regen task show ${task.name}\`.`);
}

function parsed(task: Task, words: string[]): Params {
  const { params, problems } = parseKeyValues(task, words);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return params;
}

function listTasks(tasks: Map<string, Task>, args: TaskArgs): number {
  const rows = [...tasks.values()].filter((t) => !t.metadata.private);
  if (args.format === 'json') {
    printJson(rows.map((t) => ({ name: t.name, description: t.metadata.description ?? '' })));
    return EXIT_OK;
  }
  const width = Math.max(...rows.map((t) => t.name.length));
  for (const t of rows) process.stdout.write(`${t.name.padEnd(width)}  ${firstSentence(t.metadata.description)}\n`);
  process.stdout.write('\nShow one with: regen task show NAME\n');
  return EXIT_OK;
}

function showTask(task: Task, args: TaskArgs): number {
  const meta = task.metadata;
  if (args.format === 'json') {
    printJson({ name: task.name, ...meta });
    return EXIT_OK;
  }
  const profiled = profileTaskParameters(task, undefined);
  const out: string[] = [`${task.name}${meta.supports_noop ? '' : ' (no --dry-run support)'}`, '', `  ${meta.description ?? ''}`, ''];
  out.push('Usage:', `  regen task ${task.name} -t TARGETS${Object.keys(meta.parameters ?? {}).map((p) => ` ${p}=...`).join('')}`, '', 'Parameters:');
  for (const [name, spec] of Object.entries(meta.parameters ?? {})) {
    const fromProfile = name in profiled ? `  (default: the target's profile, ${DEFAULT_PROFILE}: ${JSON.stringify(profiled[name])})` : '';
    const dflt = spec.default === undefined ? fromProfile : `  (default: ${JSON.stringify(spec.default)})`;
    out.push(`  ${name}  ${spec.type ?? 'Any'}${dflt}${spec.sensitive ? '  [sensitive]' : ''}`, `      ${spec.description ?? ''}`);
  }
  const impls = implementationsOf(task).map((i) => `${i.name} (${(i.requirements ?? []).join(', ') || 'any'})`);
  out.push('', `Implementations: ${impls.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT_OK;
}

function firstSentence(text = ''): string {
  // A sentence ends at a full stop before a capital: "(e.g. `cp ...`)" is not an end.
  const end = text.search(/\.\s+[A-Z]/);
  return end > 0 ? text.slice(0, end + 1) : text;
}

function missing(usage: string): never {
  throw new UsageError(`missing task name: ${usage}`);
}
