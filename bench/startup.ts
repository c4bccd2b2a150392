// npm run build && npm run bench:startup [-- --runs N]
//
// How long regen takes to start: `regen --version` and `regen --help` against a bare `node -e 0`, in
// paired runs (each command right after its own `node -e 0`, so load on the machine hits both alike).
// Prints the medians and the ratios; the target is at most 2x the bare node for both. Exit 1 when over.
// `regen plan list` and `regen task list` are shown too (they load their command's modules), unjudged.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BUNDLE_ROOT } from '../src/tasks/bundle.js';
import { median, parseCount } from './stats.js';

const TARGET_RATIO = 2;
const CLI = path.join(BUNDLE_ROOT, 'dist', 'src', 'cli', 'main.js');
const runs = parseCount(process.argv.slice(2), '--runs', 20);

const commands: { args: string[]; judged: boolean }[] = [
  { args: ['--version'], judged: true },
  { args: ['--help'], judged: true },
  { args: ['plan', 'list'], judged: false },
  { args: ['task', 'list'], judged: false },
];

function timeOnce(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: BUNDLE_ROOT });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const lines = [`regen bench: startup, ${runs} paired runs per command (node ${process.version})`, ''];
let over = false;
for (const c of commands) {
  timeOnce(['-e', '0']);
  timeOnce([CLI, ...c.args]);
  const bare: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which one goes first, so neither always runs on a warmer machine.
    if (i % 2 === 0) { bare.push(timeOnce(['-e', '0'])); cli.push(timeOnce([CLI, ...c.args])); }
    else { cli.push(timeOnce([CLI, ...c.args])); bare.push(timeOnce(['-e', '0'])); }
  }
  const ratio = median(cli) / median(bare);
  const verdict = c.judged ? `(target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'NOT MET'})` : '';
  if (c.judged && ratio > TARGET_RATIO) over = true;
  lines.push(`  regen ${c.args.join(' ').padEnd(12)} median ${median(cli).toFixed(1).padStart(6)} ms   node -e 0 ${median(bare).toFixed(1).padStart(6)} ms   ${ratio.toFixed(2)}x ${verdict}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(over ? 1 : 0);
