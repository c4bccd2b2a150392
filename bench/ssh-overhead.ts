// npm run build && npm run bench [-- --runs N]     (as root: it starts its own sshd)
//
// How much regen adds on top of SSH itself. Over a real sshd on 127.0.0.1 (started here, as root), it
// times N runs of a trivial shipped task through regen's runner (runTaskOnTarget on a warm
// ConnectionPool, with the run log on) against the exact command regen builds (`/bin/sh -s`, the whole
// program on stdin) sent through a bare exec on a warm connection: ssh2's Client.exec (the library
// regen uses, minus regen) and OpenSSH's own client multiplexed over a ControlMaster socket. Runs are
// interleaved so that load on the machine hits every method alike. Prints the medians and the ratios;
// the target is regen <= 1.5x the bare ssh2 exec. Exit 1 when over it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { loadInventory } from '../src/inventory/index.js';
import type { Target } from '../src/inventory/types.js';
import { ConnectionPool } from '../src/runner/connections.js';
import { silentReporter } from '../src/runner/reporter.js';
import { runTaskOnTarget, type RunContext } from '../src/runner/run-task.js';
import { RunLog } from '../src/runner/run-log.js';
import { buildInvocation, type Invocation } from '../src/tasks/invocation.js';
import { findTask, loadTasks, resolveImplementation } from '../src/tasks/load.js';
import { withDefaults } from '../src/tasks/parameters.js';
import { transportFor } from '../src/transports/index.js';
import { startSshd, type Sshd } from '../test/support/sshd.js';
import { median, parseCount, quantile } from './stats.js';

const TARGET_RATIO = 1.5;
const WARMUP = 3;

interface Sample {
  ms: number;
  stdout: string;
}

type Method = { name: string; run: () => Promise<Sample> };

const runs = parseCount(process.argv.slice(2), '--runs', 30);
const sshd = await startSshd();
const dir = mkdtempSync(join(tmpdir(), 'regen-bench-'));
let master: ChildProcess | undefined;
let exitCode = 0;
try {
  const target = await benchTarget(sshd, dir);
  const task = findTask(loadTasks(), 'remove_file');
  // A no-op removal of a path that does not exist: the task loads its library, checks the guards,
  // resolves the path, finds nothing and prints one JSON object. Nothing on the target changes.
  const params = { path: join(dir, 'absent', 'nothing.pem'), allowed_roots: [dir] };
  const ctx: RunContext = {
    pool: new ConnectionPool((t) => transportFor(t.transport).connect(t)),
    reporter: silentReporter,
    log: RunLog.create(join(dir, 'logs'), 'bench'),
    dryRun: true,
  };
  const connection = await ctx.pool.get(target);
  const invocation = buildInvocation(resolveImplementation(task, connection.shell), withDefaults(task, params), { noop: true });
  const client = await bareClient(sshd);
  master = await controlMaster(sshd, join(dir, 'mux'));

  const methods: Method[] = [
    {
      name: 'regen runner (runTaskOnTarget, warm pool)',
      run: async () => {
        const start = performance.now();
        const result = await runTaskOnTarget(target, task, params, ctx);
        const ms = performance.now() - start;
        if (result.status !== 'success') throw new Error(`regen run failed: ${JSON.stringify(result.value)}`);
        return { ms, stdout: JSON.stringify(result.value) };
      },
    },
    { name: 'bare ssh2 Client.exec (warm connection)', run: () => timed(() => ssh2Exec(client, invocation)) },
    { name: 'bare OpenSSH ssh -S (ControlMaster)', run: () => timed(() => muxExec(sshd, join(dir, 'mux'), invocation)) },
  ];

  for (let i = 0; i < WARMUP; i++) for (const m of methods) await m.run();
  const first = await Promise.all(methods.map((m) => m.run()));
  const values = first.map((s, i) => (i === 0 ? s.stdout : JSON.stringify(JSON.parse(s.stdout))));
  if (new Set(values).size !== 1) throw new Error(`the methods disagree on the task's output:\n${values.join('\n')}`);

  const samples = methods.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    // Rotate the order so that no method always runs first (or right after a given other).
    for (let k = 0; k < methods.length; k++) {
      const m = (i + k) % methods.length;
      samples[m].push((await methods[m].run()).ms);
    }
  }

  const medians = samples.map(median);
  const [regen, bare, mux] = medians;
  const ratio = regen / bare;
  const out = [
    `regen bench: SSH overhead, ${runs} runs per method (after ${WARMUP} warm-up runs), sshd on 127.0.0.1:${sshd.port}`,
    `task: remove_file in no-op mode on a path that does not exist (${invocation.stdin.length} bytes of stdin to \`${invocation.command}\`)`,
    `result: ${first[0].stdout}`,
    '',
    ...methods.map((m, i) => `  ${m.name.padEnd(44)} median ${fmt(medians[i])}   p10 ${fmt(quantile(samples[i], 0.1))}   p90 ${fmt(quantile(samples[i], 0.9))}`),
    '',
    `ratio regen / bare ssh2 exec:   ${ratio.toFixed(2)}x   (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'NOT MET'})`,
    `ratio regen / OpenSSH mux exec: ${(regen / mux).toFixed(2)}x`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (ratio > TARGET_RATIO) exitCode = 1;
  client.end();
  await ctx.pool.closeAll();
} catch (e) {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  exitCode = 2;
} finally {
  if (master?.pid !== undefined && master.exitCode === null) master.kill('SIGTERM');
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);

/** The target as regen sees it: resolved from an inventory file, as the CLI does. */
async function benchTarget(s: Sshd, where: string): Promise<Target> {
  const file = join(where, 'inventory.yaml');
  writeFileSync(file, [
    'version: 2',
    'targets:',
    '  - name: bench',
    '    uri: 127.0.0.1',
    '    config:',
    '      transport: ssh',
    '      ssh:',
    `        user: ${s.user}`,
    `        port: ${s.port}`,
    `        private-key: ${JSON.stringify(s.privateKeyPath)}`,
    `        known-hosts: ${JSON.stringify(s.knownHostsPath)}`,
    '',
  ].join('\n'));
  const [target] = (await loadInventory(file, { targetSpec: 'bench' })).resolve('bench');
  return target;
}

function bareClient(s: Sshd): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => {
      client.setNoDelay(true);
      resolve(client);
    });
    client.once('error', reject);
    client.connect({ host: s.host, port: s.port, username: s.user, privateKey: readFileSync(s.privateKeyPath) });
  });
}

function ssh2Exec(client: ssh2.Client, invocation: Invocation): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(invocation.command, (err, stream) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      let code: number | null = null;
      stream.on('data', (c: Buffer) => out.push(c));
      stream.stderr.on('data', () => undefined);
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`bare exec exited ${code}`))));
      stream.end(invocation.stdin);
    });
  });
}

function sshArgs(s: Sshd, socket: string): string[] {
  return [
    '-F', '/dev/null', '-S', socket, '-p', String(s.port), '-i', s.privateKeyPath,
    '-o', `UserKnownHostsFile=${s.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    `${s.user}@${s.host}`,
  ];
}

/** An OpenSSH master connection (`ssh -M -N`) whose socket later `ssh -S` runs share. */
async function controlMaster(s: Sshd, socket: string): Promise<ChildProcess> {
  const child = spawn('ssh', ['-M', '-N', ...sshArgs(s, socket)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  for (let i = 0; i < 200 && !existsSync(socket); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!existsSync(socket)) throw new Error(`ssh ControlMaster did not start: ${err}`);
  return child;
}

function muxExec(s: Sshd, socket: string, invocation: Invocation): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...sshArgs(s, socket), invocation.command], { stdio: ['pipe', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`ssh -S exited ${code}`))));
    child.stdin!.end(invocation.stdin);
  });
}

async function timed(work: () => Promise<string>): Promise<Sample> {
  const start = performance.now();
  const stdout = await work();
  return { ms: performance.now() - start, stdout };
}

function fmt(ms: number): string {
  return `${ms.toFixed(1).padStart(7)} ms`;
}
