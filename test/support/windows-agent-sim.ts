// A simulated Windows agent behind the WS-Management test server. It accepts exactly what
// regen sends to a Windows target (the fixed PowerShell bootstrap, the payload on stdin),
// decodes the payload as PowerShell would, checks that the script and its shared files are
// the shipped ones and that every file the script dot-sources was delivered, binds the
// parameters to the script's param block, and simulates the task's effects on the agent:
// services (pe-puppet, pe-mcollective; a stop that hangs), the ssl and client_data dirs, and
// CSR submission to the simulated master through sim/'s own fake puppet CLI.
//
//   const agent = new WindowsAgent({ root, stopHangs: ['pe-mcollective'] });
//   const server = await startWsmanServer({ users, handler: windowsAgentHandler(agent) });
// or, in a deployment from sim-hosts.ts, startSimWindowsAgent({ network: sim.network,
// master: sim.master.name, certname: 'win1.example.com', dir }) → { agent, server, target }.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FILES_DIR, SIM_DIR, TASKS_DIR } from '../../src/tasks/bundle.js';
import { POWERSHELL_COMMAND } from '../../src/tasks/powershell-invocation.js';
import { decodePowershellPayload, type DecodedPayload } from './powershell-payload.js';
import { WindowsAgent, type WindowsAgentOptions } from './windows-agent-sim/agent.js';
import { backup, clearDir, removeFile, restore } from './windows-agent-sim/fs-tasks.js';
import { certInfo, certRequest, facts, puppetRun, service, type TaskContext } from './windows-agent-sim/puppet-tasks.js';
import { bindParameters, BindError, parseParamBlock, psJsonLine, TaskExit, wrapperException } from './windows-agent-sim/runtime.js';
import type { ConnectTarget } from '../../src/transports/types.js';
import { startWsmanServer, type WsmanCommand, type WsmanHandler, type WsmanOutput, type WsmanServer } from './wsman-server/index.js';

export { WindowsAgent, PUPPET_BAT, type WindowsAgentOptions, type SimCall } from './windows-agent-sim/agent.js';

const run = promisify(execFile);

const TASKS: Record<string, (ctx: TaskContext) => Promise<void>> = {
  service,
  facts,
  puppet_run: puppetRun,
  cert_info: certInfo,
  cert_request: certRequest,
  backup,
  restore,
  clear_dir: clearDir,
  remove_file: removeFile,
};

/** The shipped file a payload entry claims to be ("regen/tasks/x.ps1", "regen/files/y.ps1"). */
function shippedPath(installPath: string): string | null {
  const m = /^regen\/(tasks|files)\/([A-Za-z0-9_.-]+)$/.exec(installPath);
  if (!m) return null;
  return path.join(m[1] === 'tasks' ? TASKS_DIR : FILES_DIR, m[2]);
}

/** Throws unless every delivered file is byte-for-byte the shipped one. */
function checkShipped(payload: DecodedPayload): void {
  for (const [installPath, text] of payload.files) {
    const shipped = shippedPath(installPath);
    if (!shipped || !existsSync(shipped)) throw new Error(`the payload carries ${installPath}, which regen does not ship`);
    if (readFileSync(shipped, 'utf8').replace(/^\uFEFF/, '') !== text) {
      throw new Error(`the payload's ${installPath} differs from ${shipped}`);
    }
  }
}

/** What `. (Join-Path $lib 'X.ps1')` would fail on: a dot-sourced library not delivered. */
function missingLibrary(payload: DecodedPayload, script: string): string | null {
  for (const m of script.matchAll(/^\. \(Join-Path \$lib '([A-Za-z0-9_.-]+\.ps1)'\)/gm)) {
    if (!payload.files.has(`regen/files/${m[1]}`)) return m[1];
  }
  for (const m of script.matchAll(/'regen\\files\\([A-Za-z0-9_.-]+\.ps1)'/g)) {
    if (!payload.files.has(`regen/files/${m[1]}`)) return m[1];
  }
  return null;
}

/** Runs one payload on the agent: the exit code and the JSON the script would print. */
export async function runPayload(agent: WindowsAgent, stdin: Buffer | string, signal: AbortSignal): Promise<TaskExit> {
  const payload = decodePowershellPayload(stdin);
  checkShipped(payload);
  const script = payload.files.get(payload.taskPath) ?? '';
  const simulate = TASKS[payload.taskName];
  if (!simulate) throw new Error(`the Windows agent simulator has no model of task ${payload.taskName}`);
  const lib = missingLibrary(payload, script);
  if (lib) {
    return wrapperException(`The term 'C:\\Windows\\TEMP\\regen\\regen\\files\\${lib}' is not recognized as the name of a cmdlet, function, script file, or operable program.`, payload.taskPath);
  }
  const declared = parseParamBlock(script);
  const given = { ...payload.params, ...(payload.noop ? { _noop: true } : {}) };
  let bound: Record<string, unknown>;
  try {
    bound = bindParameters(declared, Object.fromEntries(Object.entries(given).filter(([k]) => declared.some((d) => d.name === k))));
  } catch (err) {
    if (err instanceof BindError) return wrapperException(err.message, payload.taskPath);
    throw err;
  }
  const ctx: TaskContext = { agent, p: bound, noop: bound._noop === true, signal };
  let exit: TaskExit;
  try {
    await simulate(ctx);
    throw new Error(`the simulation of ${payload.taskName} ended without a result`);
  } catch (err) {
    if (!(err instanceof TaskExit)) throw err;
    exit = err;
  }
  agent.calls.push({ task: payload.taskName, params: payload.params, noop: payload.noop, exitCode: exit.exitCode, output: exit.output });
  return exit;
}

/** The WS-Management handler for one simulated Windows agent. */
export function windowsAgentHandler(agent: WindowsAgent): WsmanHandler {
  return async function* (cmd: WsmanCommand): AsyncGenerator<WsmanOutput> {
    const line = cmd.commandLine.trim().replace(/\s+/g, ' ');
    if (line !== POWERSHELL_COMMAND) {
      const word = line.split(' ')[0];
      yield { stream: 'stderr', data: `'${word}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n` };
      yield { exitCode: 1 };
      return;
    }
    const exit = await runPayload(agent, await cmd.readStdin(), cmd.signal);
    yield { stream: 'stdout', data: psJsonLine(exit.output) };
    yield { exitCode: exit.exitCode };
  };
}

export interface SimWindowsAgentOptions extends Omit<WindowsAgentOptions, 'root'> {
  /** The simulated deployment's network directory (where the master is registered). */
  network: string;
  /** The master's certname. */
  master: string;
  certname: string;
  /** A directory to build the agent's host tree in (its root is DIR/CERTNAME). */
  dir: string;
  keyLength?: number;
  /** WinRM accounts of the agent (default Administrator with a password full of quoting traps). */
  users?: Record<string, string>;
}

export interface SimWindowsAgent {
  agent: WindowsAgent;
  server: WsmanServer;
  /** A ConnectTarget for regen's winrm transport (NTLM over HTTP, as the first user). */
  target: ConnectTarget;
  stop(): Promise<void>;
}

export const SIM_WINDOWS_USERS = { Administrator: `Tr0ub4dor&3 "é" <x> ^%PATH%` };

/**
 * A Windows agent for a simulated deployment: its host built by sim/build-host.sh (enrolled
 * with the master through the network directory), served by a WS-Management test server.
 */
export async function startSimWindowsAgent(options: SimWindowsAgentOptions): Promise<SimWindowsAgent> {
  const { network, master, certname, dir, keyLength = 1024, users = SIM_WINDOWS_USERS, ...agentOptions } = options;
  const root = path.join(dir, certname);
  await run('bash', [path.join(SIM_DIR, 'build-host.sh'), root, '--role', 'agent', '--certname', certname, '--master', master,
    '--network', network, '--keylength', String(keyLength)]);
  const agent = new WindowsAgent({ root, ...agentOptions });
  const server = await startWsmanServer({ users, handler: windowsAgentHandler(agent) });
  const [user, password] = Object.entries(users)[0];
  const target: ConnectTarget = {
    name: certname,
    host: server.host,
    transport: 'winrm',
    config: { user, password, port: server.port, ssl: false, auth: 'ntlm', 'connect-timeout': 5 },
  };
  return { agent, server, target, stop: () => server.stop() };
}
