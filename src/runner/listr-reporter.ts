// The human view: a listr2 tree per section (a step or a task) with a line per target and its live state.
import { Listr } from 'listr2';
import type { ItemEnd, ItemReporter, Reporter } from './reporter.js';

/** One line of the tree: settled by the runner, displayed by listr2 whenever it gets to it. */
class Line {
  readonly outcome: Promise<ItemEnd | undefined>;
  settle!: (result: ItemEnd | undefined) => void;
  onNote: (text: string) => void = () => undefined;

  constructor() {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }
}

export class ListrReporter implements Reporter {
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  async section<T>(title: string, items: string[], work: (item: (name: string) => ItemReporter) => Promise<T>): Promise<T> {
    const lines = new Map(items.map((name) => [name, new Line()]));
    const list = new Listr(
      [{
        title,
        task: (_ctx, parent) => parent.newListr(
          items.map((name) => ({
            title: name,
            task: async (_c, task) => {
              const line = lines.get(name)!;
              // Live notes help on a terminal; in a log (no TTY) every note would be one more line.
              if (this.stream.isTTY) line.onNote = (text) => { task.output = text; };
              const end = await line.outcome;
              if (end?.status === 'failure') throw new Error(end.error ?? 'failed');
              task.title = `${name}: ${end ? end.summary ?? (end.status === 'skipped' ? 'skipped' : 'ok') : 'not run'}`;
            },
          })),
          { concurrent: true, exitOnError: false },
        ),
      }],
      {
        exitOnError: false,
        // listr2 would exit(127) on Ctrl-C; the plan run handles it (stops the commands, writes the journal).
        registerSignalListeners: false,
        renderer: this.stream.isTTY ? 'default' : 'simple',
        fallbackRenderer: 'simple',
        rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
      },
    );
    const rendering = list.run().catch(() => undefined);
    try {
      return await work((name) => ({
        note: (text) => lines.get(name)?.onNote(text),
        finish: (end) => lines.get(name)?.settle(end),
      }));
    } finally {
      for (const line of lines.values()) line.settle(undefined);
      await rendering;
    }
  }

  message(text: string): void {
    this.stream.write(`${text}\n`);
  }
}
