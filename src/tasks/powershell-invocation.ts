// How a PowerShell task travels to a Windows target. The command line never changes: a
// short bootstrap (passed as -EncodedCommand) that reads all of standard input, decodes it
// from base64 as UTF-8 and runs it. Standard input carries a generated wrapper that holds
// the task script, its shared files and its parameters, so none of them reaches a process
// command line, and any byte of a parameter (quotes, &|<>^%, non-ASCII) arrives intact.
//
// The wrapper, like Bolt's: writes the files under a private temp dir ($_installdir), keeps
// only the parameters the script declares, splats them into the script, removes the dir
// and exits with the script's exit code. It only uses PowerShell 2.0 features (no
// ConvertFrom-Json: parameters are PowerShell literals).
//
// Payload format. stdin = base64(UTF-8 wrapper) in CRLF-separated lines of 76 characters.
// The wrapper is ASCII only; its data lines are:
//   $files = @{ 'regen/tasks/NAME.ps1' = '<base64 of the file, a BOM added to .ps1>'; ... }
//   $task = 'regen/tasks/NAME.ps1'
//   $params = @{ 'name' = <value>; ...; '_task' = 'NAME'; '_installdir' = $dir [; '_noop' = $true] }
//   [Environment]::SetEnvironmentVariable('PT_name', <string>)   (environment/both methods only)
//   $stdinJson = <string> | $null                                 (stdin/both methods only)
// A value is $true/$false/$null, an integer, [double]'1.5', @(...), @{...}, or a string:
// 'text' when it is printable ASCII without a quote, else (D '<base64 of UTF-8>').

import type { Params } from './parameters.js';
import type { ResolvedImplementation, TaskFile } from './types.js';

/** Runs standard input, decoded from base64 UTF-8, as a script; PowerShell 2.0-compatible. */
export const POWERSHELL_BOOTSTRAP =
  "$ProgressPreference='SilentlyContinue';" +
  'trap { [Console]::Error.WriteLine([string]$_); ' +
  "[Console]::Out.WriteLine('{\"_error\":{\"kind\":\"regen/powershell-bootstrap\",\"msg\":\"the task payload could not be decoded or started; see stderr\",\"details\":{}}}'); exit 1 };" +
  "$b=(@($input) -join '') -replace '\\s','';" +
  '& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b))))';

export const POWERSHELL_COMMAND =
  'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ' +
  Buffer.from(POWERSHELL_BOOTSTRAP, 'utf16le').toString('base64');

export interface PowershellInvocation {
  command: string;
  stdin: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const INSTALL_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** A PowerShell expression for a string: a literal when that is unambiguous, else decoded from base64. */
export function psString(s: string): string {
  // Inside single quotes only ' (and the typographic quotes U+2018-U+201B) are special.
  if (/^[\x20-\x26\x28-\x7e]*$/.test(s)) return `'${s}'`;
  return `(D '${Buffer.from(s, 'utf8').toString('base64')}')`;
}

/** A PowerShell expression for a JSON-like value (what a task parameter can hold). */
export function psValue(v: unknown, where = 'value'): string {
  if (v === null || v === undefined) return '$null';
  if (typeof v === 'boolean') return v ? '$true' : '$false';
  if (typeof v === 'string') return psString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${where}: ${v} cannot be passed to PowerShell`);
    return Number.isSafeInteger(v) ? String(v) : `[double]'${String(v)}'`;
  }
  if (Array.isArray(v)) {
    const items = v.map((x, i) => psValue(x, `${where}[${i}]`));
    // @(x) would flatten a single nested array; the unary comma keeps it whole.
    if (items.length === 1) return `@(,${items[0]})`;
    return `@(${items.join(', ')})`;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).map(
      ([k, x]) => `${psString(k)} = ${psValue(x, `${where}.${k}`)}`,
    );
    return `@{${entries.join('; ')}}`;
  }
  throw new Error(`${where}: a ${typeof v} cannot be passed to PowerShell`);
}

function fileEntry(f: TaskFile): string {
  if (!INSTALL_PATH.test(f.installPath) || f.installPath.split('/').includes('..')) {
    throw new Error(`task file path ${JSON.stringify(f.installPath)} is not a plain relative path`);
  }
  // Windows PowerShell reads a BOM-less script in the ANSI code page: mark scripts as UTF-8.
  const isScript = /\.ps(m?1|d1)$/i.test(f.installPath);
  const text = isScript && !f.contents.startsWith('\uFEFF') ? '\uFEFF' + f.contents : f.contents;
  return `  '${f.installPath}' = '${Buffer.from(text, 'utf8').toString('base64')}'`;
}

/** Bolt's environment encoding: strings raw, everything else as JSON. */
function envValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function buildPowershellWrapper(
  impl: ResolvedImplementation,
  given: Params,
  opts: { dryRun: boolean },
): string {
  // An absent optional parameter keeps the script's own default, as with Bolt.
  const params = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined && v !== null));
  for (const k of Object.keys(params)) {
    if (!NAME.test(k)) throw new Error(`parameter name ${JSON.stringify(k)} is not valid for a task`);
  }
  const method = impl.inputMethod;
  const files = [impl.script, ...impl.files.filter((f) => f.installPath !== impl.script.installPath)];
  const paramEntries = Object.entries(params).map(([k, v]) => `  '${k}' = ${psValue(v, k)}`);
  paramEntries.push(`  '_task' = ${psString(impl.task.name)}`, "  '_installdir' = $dir");
  if (opts.dryRun) paramEntries.push("  '_noop' = $true");
  const envLines =
    method === 'environment' || method === 'both'
      ? Object.entries(params).map(
          ([k, v]) => `[Environment]::SetEnvironmentVariable('PT_${k}', ${psString(envValue(v))})`,
        )
      : [];
  if (envLines.length && opts.dryRun) envLines.push("[Environment]::SetEnvironmentVariable('PT__noop', 'true')");
  const stdinJson = method === 'stdin' || method === 'both' ? { ...params, ...(opts.dryRun ? { _noop: true } : {}) } : null;

  return [
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    'function D([string]$b) { [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b)) }',
    'function J([string]$s) {',
    '  $sb = New-Object Text.StringBuilder',
    '  foreach ($c in $s.ToCharArray()) {',
    '    $n = [int]$c',
    "    if ($n -eq 34 -or $n -eq 92) { [void]$sb.Append('\\').Append($c) }",
    "    elseif ($n -lt 32 -or $n -gt 126) { [void]$sb.Append('\\u').Append($n.ToString('x4')) }",
    '    else { [void]$sb.Append($c) }',
    '  }',
    '  $sb.ToString()',
    '}',
    "$dir = Join-Path ([IO.Path]::GetTempPath()) ('regen-' + [Guid]::NewGuid().ToString('N'))",
    '$files = @{',
    ...files.map(fileEntry),
    '}',
    `$task = '${impl.script.installPath}'`,
    '$params = @{',
    ...paramEntries,
    '}',
    ...envLines,
    `$stdinJson = ${stdinJson ? psString(JSON.stringify(stdinJson)) : '$null'}`,
    '$code = 1',
    'try {',
    '  [void](New-Item -ItemType Directory -Path $dir)',
    '  foreach ($k in $files.Keys) {',
    "    $p = Join-Path $dir ($k -replace '/', '\\')",
    '    $parent = Split-Path -Parent $p',
    '    if (-not (Test-Path -LiteralPath $parent)) { [void](New-Item -ItemType Directory -Path $parent -Force) }',
    '    [IO.File]::WriteAllBytes($p, [Convert]::FromBase64String($files[$k]))',
    '  }',
    "  $path = Join-Path $dir ($task -replace '/', '\\')",
    '  $declared = @((Get-Command -Name $path).Parameters.Keys)',
    '  $taskArgs = @{}',
    '  foreach ($k in $params.Keys) { if ($declared -contains $k) { $taskArgs[$k] = $params[$k] } }',
    '  $global:LASTEXITCODE = 0',
    '  if ($stdinJson -ne $null) { $stdinJson | & $path @taskArgs } else { & $path @taskArgs }',
    '  $code = $LASTEXITCODE',
    '} catch {',
    "  [Console]::Out.WriteLine('{\"_error\":{\"kind\":\"regen/task-exception\",\"msg\":\"' + (J ([string]$_)) + '\",\"details\":{\"task\":\"' + (J $task) + '\"}}}')",
    '  $code = 1',
    '} finally {',
    '  Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue',
    '}',
    'exit $code',
    '',
  ].join('\r\n');
}

/** The command and standard input that run a PowerShell task implementation on a Windows target. */
export function buildPowershellInvocation(
  impl: ResolvedImplementation,
  params: Params,
  opts: { dryRun: boolean },
): PowershellInvocation {
  if (impl.shell !== 'powershell') {
    throw new Error(`task ${impl.task.name}: ${impl.script.installPath} is not a PowerShell implementation`);
  }
  const wrapper = buildPowershellWrapper(impl, params, opts);
  const b64 = Buffer.from(wrapper, 'utf8').toString('base64');
  // Lines of 76 characters: PowerShell enumerates $input line by line; the bootstrap joins them.
  const stdin = (b64.match(/.{1,76}/g) ?? []).join('\r\n') + '\r\n';
  return { command: POWERSHELL_COMMAND, stdin };
}
