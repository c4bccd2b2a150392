// npm run build && npm run bench:agents -- N [--concurrency C] [--key-size BITS] [--json]   (as root)
//
// What re-enrolling N agents costs with regen against the floor for the same work on the same hosts.
// It builds a simulated master and N agents (test/support/sim-hosts.ts, one namespace and sshd each),
// then runs, one after the other:
//   floor  doc Step 6 with the fewest round trips OpenSSH allows: one ssh per agent per phase, in
//          parallel (stop services, back up and delete ssl and the catalog / start pe-puppet / run
//          puppet, verify, start mcollective), one `puppet cert clean A B ...` and one
//          `puppet cert sign A B ...` on the master once every request has arrived;
//   regen  `regen plan agents --concurrency C` (the agents re-enroll again, under the same CA).
// It prints both wall times, the ratio, regen's per-step time (from its run log), the number of
// `puppet` processes each run started on the master (the simulator's invocation log) and regen's
// peak RSS. Every agent must end with a certificate chaining to the master's CA after each run.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startSimDeployment, type SimDeployment, type SimHost } from '../test/support/sim-hosts.js';
import { chainsTo, CLI, HOST_BACKUP_DIR, tempDir, writeInventory } from '../test/e2e/helpers.js';
import { parseCount } from './stats.js';

const argv = process.argv.slice(2);
const agents = Number(argv.find((a) => /^\d+$/.test(a)) ?? 5);
const concurrency = parseCount(argv, '--concurrency', agents);
const keyLength = parseCount(argv, '--key-size', 4096);
const asJson = argv.includes('--json');
// Every simulated host's sshd adds an exit listener.
process.setMaxListeners(agents * 2 + 20);
const SSL = '/etc/puppetlabs/puppet/ssl';
const PUPPET = '/opt/puppet/bin/puppet';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** One command on a host over OpenSSH, the program on stdin (as regen sends it). */
function ssh(host: SimHost, script: string): Promise<string> {
  const t = host.target.config as Record<string, string | number>;
  const args = ['-q', '-p', String(t.port), '-i', String(t['private-key']), '-o', `UserKnownHostsFile=${t['known-hosts']}`,
    '-o', 'BatchMode=yes', `root@${host.target.host}`, 'sh -s'];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${host.name}: exit ${code}: ${err}${out}`))));
    child.stdin.end(`set -e\n${script}\n`);
  });
}

/** Doc Step 6 for every agent with the fewest round trips: the floor regen is measured against. */
async function floor(sim: SimDeployment): Promise<void> {
  const names = sim.agents.map((a) => a.name).join(' ');
  const service = (name: string, ensure: string) => `${PUPPET} resource service ${name} ensure=${ensure} >/dev/null`;
  await Promise.all(sim.agents.map((a) => ssh(a, [
    service('pe-puppet', 'stopped'), service('pe-mcollective', 'stopped'),
    `mkdir -p ${HOST_BACKUP_DIR} && tar -czf ${HOST_BACKUP_DIR}/floor-ssl-$$.tgz -C /etc/puppetlabs/puppet ssl`,
    `rm -rf ${SSL} /var/opt/lib/pe-puppet/client_data/catalog/${a.name}.json`,
  ].join('\n'))));
  await ssh(sim.master, `${PUPPET} cert clean ${names} >/dev/null`);
  await Promise.all(sim.agents.map((a) => ssh(a, service('pe-puppet', 'running'))));
  await ssh(sim.master, [
    `for i in $(seq 1200); do missing=0; for n in ${names}; do [ -f ${SSL}/ca/requests/$n.pem ] || missing=1; done`,
    '[ $missing = 0 ] && break; sleep 0.1; done',
    `${PUPPET} cert sign ${names} >/dev/null`,
  ].join('\n'));
  await Promise.all(sim.agents.map((a) => ssh(a, [
    `rc=0; ${PUPPET} agent -t >/dev/null 2>&1 || rc=$?; [ $rc = 0 ] || [ $rc = 2 ]`,
    `openssl verify -CAfile ${SSL}/certs/ca.pem ${SSL}/certs/${a.name}.pem >/dev/null`,
    service('pe-mcollective', 'running'),
  ].join('\n'))));
}

interface RegenRun {
  ms: number;
  peakRssMb: number;
  code: number | null;
  output: string;
}

/** `regen plan agents`, polling its peak resident set (VmHWM) until it exits. */
function regenAgents(inventory: string, stateDir: string): Promise<RegenRun> {
  const start = performance.now();
  const child = spawn(process.execPath, [CLI, 'plan', 'agents', '-i', inventory, '--concurrency', String(concurrency), `concurrency=${concurrency}`,
    '--yes', '--format', 'json', '--state-dir', stateDir], { cwd: stateDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // the process has just exited
    }
  }, 100);
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((resolve) => child.on('close', (code) => {
    clearInterval(poll);
    resolve({ ms: performance.now() - start, peakRssMb: peakKb / 1024, code, output });
  }));
}

interface StepTime {
  step: string;
  runs: number;
  totalS: number;
}

/** Seconds per step name from regen's run log (events.log: START TARGET STEP STATUS MSms). */
function stepTimes(stateDir: string): StepTime[] {
  const logs = path.join(stateDir, 'logs');
  const latest = readdirSync(logs).sort().at(-1)!;
  const byStep = new Map<string, StepTime>();
  for (const line of readFileSync(path.join(logs, latest, 'events.log'), 'utf8').split('\n').filter(Boolean)) {
    const [, , step, , ms] = line.split(' ');
    const s = byStep.get(step) ?? { step, runs: 0, totalS: 0 };
    s.runs += 1;
    s.totalS += Number.parseInt(ms, 10) / 1000;
    byStep.set(step, s);
  }
  return [...byStep.values()].sort((a, b) => b.totalS - a.totalS);
}

/** The `puppet` processes the master ran since `since` invocations, by subcommand. */
function masterCalls(sim: SimDeployment, since: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of sim.invocations(sim.master).slice(since)) {
    const key = i.args.slice(0, 2).join(' ');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function checkAgents(sim: SimDeployment, run: string): void {
  const ca = sim.master.realPath(`${SSL}/ca/ca_crt.pem`);
  const bad = sim.agents.filter((a) => !chainsTo(ca, a.realPath(`${SSL}/certs/${a.name}.pem`)));
  if (bad.length) throw new Error(`after the ${run} run these agents have no certificate of the CA: ${bad.map((a) => a.name).join(', ')}`);
}

say(`building a master and ${agents} agents (${keyLength}-bit keys) ...`);
const sim = await startSimDeployment({ agents, keyLength });
const dir = tempDir('bench-agents');
try {
  const inventory = writeInventory(sim, path.join(dir, 'inventory.yaml'));
  say('floor: raw parallel ssh, one batched clean and sign ...');
  let mark = sim.invocations(sim.master).length;
  const floorStart = performance.now();
  await floor(sim);
  const floorMs = performance.now() - floorStart;
  checkAgents(sim, 'floor');
  const floorCalls = masterCalls(sim, mark);

  say(`regen plan agents --concurrency ${concurrency} ...`);
  mark = sim.invocations(sim.master).length;
  const regen = await regenAgents(inventory, dir);
  if (regen.code !== 0) throw new Error(`regen plan agents exited ${regen.code}:\n${regen.output.slice(-4000)}`);
  checkAgents(sim, 'regen');
  const regenCalls = masterCalls(sim, mark);
  const steps = stepTimes(dir);

  const result = {
    agents, concurrency, keyLength,
    floorS: floorMs / 1000, regenS: regen.ms / 1000, ratio: regen.ms / floorMs,
    regenPeakRssMb: regen.peakRssMb, masterCalls: { floor: floorCalls, regen: regenCalls }, steps,
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const fmt = (n: number) => n.toFixed(1).padStart(8);
    process.stdout.write([
      `agents ${agents}, concurrency ${concurrency}, ${keyLength}-bit keys`,
      `floor  ${fmt(result.floorS)} s   master: ${JSON.stringify(floorCalls)}`,
      `regen  ${fmt(result.regenS)} s   master: ${JSON.stringify(regenCalls)}   peak RSS ${regen.peakRssMb.toFixed(0)} MB`,
      `ratio  ${result.ratio.toFixed(2)}x the floor`,
      '',
      'regen, time per step (summed over targets):',
      ...steps.map((s) => `  ${s.step.padEnd(34)} ${String(s.runs).padStart(5)} runs ${fmt(s.totalS)} s`),
      '',
    ].join('\n'));
  }
} finally {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
