// The effects of service.ps1, facts.ps1, puppet_run.ps1 and cert_info.ps1 on a simulated
// Windows agent, step for step as the scripts take them, with results built from its state.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { PUPPET_BAT, type WindowsAgent } from './agent.js';
import { givenList, normalPath, requireGiven } from './paths.js';
import { fail, result, TaskExit } from './runtime.js';

export interface TaskContext {
  agent: WindowsAgent;
  /** Parameters as bound to the script's param block. */
  p: Record<string, unknown>;
  noop: boolean;
  signal: AbortSignal;
}

const CERTNAME = /^[a-z0-9][a-z0-9._-]*$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

export function requireElevated(ctx: TaskContext, task: string): void {
  if (ctx.agent.elevated) return;
  const user = ctx.agent.user;
  fail(
    'regen/not-elevated',
    `task ${task} must run as an elevated administrator, but runs as ${user} without the Administrators role; connect with an administrator account (over WinRM, a local administrator needs LocalAccountTokenFilterPolicy=1)`,
    { user, task },
  );
}

function checkName(value: string, what: 'certname' | 'service', param: string = what): void {
  const re = what === 'certname' ? CERTNAME : SERVICE;
  if (!re.test(value)) {
    fail('regen/bad-param', `${param} '${value}' is not a valid ${what} (expected ${re.source})`, { param, value });
  }
}

/** Assert-RegenPuppet: the puppet parameter must be given and name this agent's puppet.bat. */
function assertPuppet(value: unknown): string {
  requireGiven('puppet', value);
  const given = String(value);
  if (given.toLowerCase() !== PUPPET_BAT.toLowerCase()) {
    fail('regen/puppet-missing', `puppet ${given} does not exist on this host; is the Puppet Enterprise agent installed there? Otherwise set windows.puppet in the target's profile to its puppet.bat`, { puppet: given });
  }
  return given;
}

async function puppet(ctx: TaskContext, args: string[]): Promise<{ exitCode: number; stdout: string; output: string }> {
  const run = await ctx.agent.puppet([...args, '--color=false'], ctx.signal);
  const output = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
  return { exitCode: run.exitCode, stdout: run.stdout, output };
}

/** Get-RegenPuppetConfig, with host paths shown as the agent's Windows paths. */
async function puppetConfig(ctx: TaskContext, names: string[], section: string): Promise<Record<string, string>> {
  const run = await puppet(ctx, ['config', 'print', ...names, '--section', section]);
  const what = `'puppet config print ${names.join(' ')} --section ${section}'`;
  const details = { exit_code: run.exitCode, output: run.output.split('\n').slice(-30) };
  if (run.exitCode !== 0) fail('regen/puppet-failed', `${what} failed (exit ${run.exitCode})`, details);
  const config: Record<string, string> = {};
  for (const line of run.stdout.split('\n')) {
    const m = /^([a-z_]+) = ?(.*?)\s*$/.exec(line);
    if (m) config[m[1]] = m[2].startsWith(`${ctx.agent.options.root}/`) ? ctx.agent.disk.toWindows(m[2]) : m[2];
  }
  for (const n of names) if (!(n in config)) fail('regen/puppet-failed', `${what} did not print ${n}`, details);
  return config;
}

/** Get-RegenCertJson, reading the mapped file with Node's X.509 parser instead of .NET's. */
export function certJson(ctx: TaskContext, win: string): Record<string, unknown> | null {
  const file = ctx.agent.disk.toHost(win);
  if (!existsSync(file)) return null;
  let x: X509Certificate;
  try {
    x = new X509Certificate(readFileSync(file));
  } catch {
    fail('regen/not-a-certificate', `${win} is not a readable PEM certificate`, { path: win });
  }
  const name = (dn: string) => dn.split('\n').reverse().join(',');
  const iso = (d: string) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    path: win,
    subject: name(x.subject),
    issuer: name(x.issuer),
    serial: x.serialNumber.toUpperCase(),
    not_before: iso(x.validFrom),
    not_after: iso(x.validTo),
    sans: x.subjectAltName ? x.subjectAltName.split(', ') : [],
    fingerprint: { algorithm: 'SHA256', value: x.fingerprint256 },
    expired: new Date(x.validTo).getTime() < Date.now(),
  };
}

/** Test-RegenCertVerify. */
export function certVerify(ctx: TaskContext, caWin: string, certWin: string): { ok: boolean; message: string } {
  const ca = new X509Certificate(readFileSync(ctx.agent.disk.toHost(caWin)));
  const cert = new X509Certificate(readFileSync(ctx.agent.disk.toHost(certWin)));
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return { ok: false, message: `${certWin} was not issued by the CA in ${caWin}` };
  }
  return { ok: true, message: `${certWin}: OK` };
}

/** service.ps1: one service (name), or several (names) in their order, stopping at the first that fails. */
export async function service(ctx: TaskContext): Promise<void> {
  if (!Array.isArray(ctx.p.names) || ctx.p.names.length === 0) return oneService(ctx, String(ctx.p.name));
  if (ctx.p.name) fail('regen/bad-param', 'give either name or names, not both', { param: 'name' });
  for (const n of ctx.p.names) checkName(String(n), 'service', 'service');
  const services: unknown[] = [];
  for (const n of ctx.p.names) {
    try {
      await oneService(ctx, String(n));
    } catch (e) {
      if (!(e instanceof TaskExit) || e.exitCode !== 0) throw e;
      services.push(e.output);
    }
  }
  result({ action: ctx.p.action, services });
}

async function oneService(ctx: TaskContext, name: string): Promise<void> {
  const { agent } = ctx;
  const action = String(ctx.p.action);
  const timeout = Number(ctx.p.timeout);
  checkName(name, 'service', 'service');
  if (!['status', 'stop', 'start', 'restart'].includes(action)) {
    fail('regen/bad-param', `action '${action}' must be one of status, stop, start, restart`, { action });
  }
  if (timeout < 1 || timeout > 3600) fail('regen/bad-param', `timeout ${timeout} must be between 1 and 3600 seconds`, { timeout });
  requireElevated(ctx, 'service');
  const before = agent.serviceState(name);
  if (before === null) fail('regen/service-failed', `there is no service named ${name} on this host`, { service: name });
  const out: Record<string, unknown> = { service: name, action, before, changed: false };
  const wantStop = (action === 'stop' || action === 'restart') && before !== 'stopped';
  const wantStart = (action === 'start' && before !== 'running') || action === 'restart';
  if (ctx.noop) {
    const after = action === 'stop' ? 'stopped' : action === 'status' ? before : 'running';
    result({ ...out, noop: true, changed: wantStop || wantStart, after });
  }
  {
    if (wantStop) {
      let procId = agent.serviceInfo(name).pid;
      if (agent.stopHangs.has(name)) agent.hung.add(name);
      else {
        agent.hung.delete(name);
        await agent.setService(name, 'stopped', ctx.signal);
      }
      if (agent.serviceState(name) !== 'stopped') {
        await delay(timeout * 1000, undefined, { signal: ctx.signal });
        const state = agent.serviceState(name) ?? 'stopped';
        if (state === 'stopped') out.requeried = true;
        else {
          procId = agent.serviceInfo(name).pid || procId;
          const details = { service: name, state, pid: procId, timeout };
          if (ctx.p.force_kill !== true) {
            fail('regen/service-hung', `service ${name} did not stop within ${timeout} s (still ${state}, process ${procId}); rerun with force_kill=true to end its process, or stop it on the host`, details);
          }
          // Stop-Process: the process dies, the SCM records the service as stopped.
          agent.hung.delete(name);
          await agent.setService(name, 'stopped', ctx.signal);
          out.forced = true;
          out.killed_pid = procId;
        }
      }
      out.changed = true;
    }
    if (wantStart) {
      await agent.setService(name, 'running', ctx.signal);
      const state = agent.serviceState(name);
      if (state !== 'running') {
        fail('regen/service-failed', `service ${name} did not reach running within ${timeout} s (now ${state}); see the Application event log on the host`, { service: name, state, timeout });
      }
      out.changed = true;
    }
  }
  const info = agent.serviceInfo(name);
  result({ ...out, after: agent.serviceState(name), pid: info.pid, start_mode: info.start_mode });
}

export async function facts(ctx: TaskContext): Promise<void> {
  const { agent } = ctx;
  const section = String(ctx.p.section);
  if (!['main', 'master', 'agent', 'user'].includes(section)) {
    fail('regen/bad-param', `section '${section}' is not a valid puppet.conf section (expected main, master, agent or user)`, { param: 'section', value: section });
  }
  requireElevated(ctx, 'facts');
  const disk = givenList(ctx.p.disk_paths).map((p) => {
    const full = normalPath(p, 'disk_paths');
    return { path: full, free_bytes: agent.disk.freeBytes(full) };
  });
  const puppetBat = assertPuppet(ctx.p.puppet);
  const names = ['certname', 'dns_alt_names', 'ssldir', 'client_datadir', 'confdir', 'hostcert', 'localcacert'];
  const config = await puppetConfig(ctx, names, section);
  const version = await agent.puppet(['--version'], ctx.signal);
  if (version.exitCode !== 0) {
    fail('regen/puppet-failed', `'puppet --version' failed (exit ${version.exitCode})`, { exit_code: version.exitCode, output: version.stderr });
  }
  const versionRaw = version.stdout.trim().split('\n').pop()?.trim() ?? '';
  const cert = certJson(ctx, config.hostcert);
  const ca = certJson(ctx, config.localcacert);
  const alt = config.dns_alt_names.split(',').map((s) => s.trim()).filter(Boolean);
  const sans = ((cert?.sans as string[] | undefined) ?? []).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const keep = [...new Set([...alt, ...sans].filter((n) => n && n !== config.certname))];
  const now = new Date();
  result({
    certname: config.certname,
    dns_alt_names: alt,
    alt_names_list: keep,
    alt_names_to_keep: keep.join(','),
    ssldir: config.ssldir,
    client_datadir: config.client_datadir,
    confdir: config.confdir,
    hostcert: config.hostcert,
    localcacert: config.localcacert,
    puppet: { path: puppetBat, version: versionRaw.split(' ')[0], version_string: versionRaw },
    os: { kernel: 'windows', release: agent.os.version, arch: 'x64', hostname: agent.hostname, id: 'windows', version: agent.os.version, name: agent.os.caption },
    cert,
    ca,
    cert_issued_by_ca: cert && ca ? certVerify(ctx, config.localcacert, config.hostcert).ok : null,
    clock: { epoch: Math.floor(now.getTime() / 1000), utc: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    root: true,
    elevated: true,
    user: agent.user,
    disk,
  });
}

export async function puppetRun(ctx: TaskContext): Promise<void> {
  requireElevated(ctx, 'puppet_run');
  const wait = Number(ctx.p.waitforcert);
  if (wait < 0 || wait > 9999) fail('regen/bad-param', `waitforcert ${wait} is not a number of seconds (0 to 9999)`, { param: 'waitforcert', value: wait });
  const puppetBat = assertPuppet(ctx.p.puppet);
  const args = ['agent', '--test', '--detailed-exitcodes', '--waitforcert', String(wait)];
  const command = `puppet ${args.join(' ')}`;
  if (ctx.noop) result({ noop: true, command, puppet: puppetBat });
  const run = await puppet(ctx, args);
  const code = run.exitCode;
  const lines = run.output.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  const out: Record<string, unknown> = { exit_code: code, command, output: lines.slice(-20) };
  if (code === 0) result({ ...out, changes: false, meaning: 'the run succeeded with no changes' });
  if (code === 2) result({ ...out, changes: true, meaning: 'the run succeeded and made changes' });
  const has = (re: RegExp) => re.test(run.output);
  const [reason, meaning] =
    code === 4 ? ['run-failed', 'the run completed but some resources failed']
      : code === 6 ? ['run-failed', 'the run made changes but some resources failed']
        : code !== 1 ? ['run-failed', 'puppet exited with an unexpected code']
          : has(/no certificate found and waitforcert is disabled|Did not receive certificate/i)
            ? ['waiting-for-cert', 'the agent has no signed certificate yet: sign its request on the CA master (cert_sign), then run again']
            : has(/already in progress/i)
              ? ['run-in-progress', 'another Puppet run is in progress (its lock file exists): wait for it and run again']
              : has(/certificate verify failed|does not match/i)
                ? ['cert-mismatch', "SSL verification failed: the agent's certificate or CA copy does not match the master's CA; clear the agent's ssldir and request a new certificate"]
                : has(/Could not retrieve catalog|Could not request certificate|Connection refused/i)
                  ? ['master-unreachable', 'the agent could not get a catalog or certificate from the master: is the master up and reachable, and did its catalog compile?']
                  : ['run-failed', 'the run failed or could not start'];
  fail('regen/puppet-run-failed', `puppet agent run failed with exit code ${code}: ${meaning}`, { ...out, reason, meaning });
}

export async function certInfo(ctx: TaskContext): Promise<void> {
  let { path: p, certname, ssldir } = ctx.p as Record<string, string>;
  if (p && certname) fail('regen/bad-param', 'give path or certname, not both');
  requireElevated(ctx, 'cert_info');
  if (!p) {
    if (!certname || !ssldir) {
      assertPuppet(ctx.p.puppet);
      const config = await puppetConfig(ctx, ['certname', 'ssldir'], 'main');
      certname ||= config.certname;
      ssldir ||= config.ssldir;
    }
    checkName(certname, 'certname');
    p = `${normalPath(ssldir, 'ssldir')}\\certs\\${certname}.pem`;
  }
  p = normalPath(p, 'path');
  const info = certJson(ctx, p);
  if (!info) fail('regen/not-found', `there is no certificate at ${p}`, { path: p });
  const expected = String(ctx.p.expected_ca_fingerprint);
  let caFile = String(ctx.p.ca_file);
  if (!caFile && expected && ssldir) caFile = `${normalPath(ssldir, 'ssldir')}\\certs\\ca.pem`;
  let caPath = '';
  let verify = { ok: false, message: '' };
  if (caFile) {
    caPath = normalPath(caFile, 'ca_file');
    if (!existsSync(ctx.agent.disk.toHost(caPath))) fail('regen/not-found', `there is no CA certificate at ${caPath}`, { ca_file: caPath });
    verify = certVerify(ctx, caPath, p);
    info.verify = { ca_file: caPath, ...verify };
  }
  if (expected) {
    if (!caFile) fail('regen/bad-param', 'expected_ca_fingerprint needs ca_file (or an ssldir, whose certs\\ca.pem is used)');
    const caFp = (certJson(ctx, caPath)?.fingerprint as { value: string }).value;
    if (caFp !== expected) {
      fail('regen/wrong-ca', `the CA certificate ${caPath} is not the expected CA (fingerprint ${caFp}, expected ${expected}): the agent still trusts another CA; re-run its re-enrollment`, { ca_file: caPath, fingerprint: caFp });
    }
    if (!verify.ok) fail('regen/chain-failed', `${p} does not verify against the CA ${caPath}: ${verify.message}`, { path: p });
  }
  result(info);
}

/** cert_request.ps1: start the agent service (it submits a request as it starts) or `puppet ssl submit_request`. */
export async function certRequest(ctx: TaskContext): Promise<void> {
  const method = String(ctx.p.method);
  if (!['service', 'submit_request'].includes(method)) {
    fail('regen/bad-param', `method '${method}' must be service or submit_request`, { param: 'method', value: method });
  }
  requireElevated(ctx, 'cert_request');
  assertPuppet(ctx.p.puppet);
  if (method === 'service') {
    const name = String(ctx.p.service);
    checkName(name, 'service', 'service');
    const command = `Start-Service ${name}`;
    if (ctx.noop) result({ method, command, noop: true });
    if (ctx.agent.serviceState(name) === null) fail('regen/service-failed', `there is no service named ${name} on this host`, { service: name });
    if (ctx.agent.serviceState(name) !== 'running') await ctx.agent.setService(name, 'running', ctx.signal);
    result({ method, command, service: name, state: ctx.agent.serviceState(name) });
  }
  const command = 'puppet ssl submit_request';
  if (ctx.noop) result({ method, command, noop: true });
  const run = await puppet(ctx, ['ssl', 'submit_request']);
  const lines = run.output.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  if (run.exitCode !== 0 && !/already has a requested certificate|already exists/.test(run.output)) {
    fail('regen/puppet-failed', `'${command}' did not submit a certificate request (exit ${run.exitCode}): is the CA server up and reachable, and does this agent trust its CA?`, { exit_code: run.exitCode, output: lines.slice(-30) });
  }
  result({ method, command, output: lines.slice(-5) });
}
