# The preamble of every regen PowerShell task, dot-sourced right after its param() block as
#   . (Join-Path $_installdir 'regen\files\task.ps1')
#   trap { Exit-RegenUnexpected 'TASK' $_ }
# Written for Windows PowerShell 2.0: no ConvertTo-Json, no Get-FileHash, no [ordered], no classes.
#
# Parameters arrive through the task's param() block (Bolt's powershell input method); the values a
# profile owns (paths, allowed roots, puppet.bat) come from the windows: section of the target's profile
# (profiles/NAME.yaml), so a task never guesses one: Assert-RegenGiven fails when it is missing.
# Output contract: one JSON object on stdout. Failure: {"_error": {"kind", "msg", "details"}}
# and exit code 1. Non-ASCII is written as \uXXXX so the output survives any code page.
#
# Sets on dot-sourcing: $ErrorActionPreference = 'Stop' (any error ends the task through its trap).
# Functions:
#   ConvertTo-RegenJson VALUE           VALUE as JSON text (hashtables with sorted keys)
#   Write-RegenResult RESULT            writes RESULT as JSON, exit 0
#   Exit-RegenError KIND MSG [DETAILS]  writes {"_error": ...}, exit 1
#   Exit-RegenUnexpected TASK RECORD    the trap: an unexpected error as regen/unexpected, exit 1
#   Assert-RegenGiven NAME VALUE        fails with regen/bad-param when a required VALUE is empty
#   Assert-RegenElevated TASK           fails unless the task runs as an elevated administrator
#   Assert-RegenName VALUE certname|service [PARAM]   fails unless VALUE is a valid name
#   Get-RegenNormalPath PATH PARAM      PATH as an absolute drive path, normalised (else a regen/guard error)
#   Assert-RegenPath PATH ROOTS [PARAM] [-Leaf]  PATH normalised, strictly inside one of ROOTS, no link on
#                                       the way (else a regen/guard error)
#   Test-RegenReparsePoint PATH         whether PATH is a junction or symbolic link
#   Invoke-RegenNative FILE ARGS        runs a program: @{exit_code; stdout; stderr}
#   Assert-RegenPuppet PUPPET           fails unless PUPPET (puppet.bat) is given and exists
#   Invoke-RegenPuppet PUPPET ARGS      a puppet command without colours: @{exit_code; stdout; stderr; output}
#   Get-RegenPuppetConfig PUPPET NAMES [SECTION]  `puppet config print` as a hashtable NAME -> value
#   Format-RegenTime TIME               TIME as UTC ISO 8601

$ErrorActionPreference = 'Stop'

function ConvertTo-RegenJsonString([string]$Text) {
  $sb = New-Object System.Text.StringBuilder
  [void]$sb.Append('"')
  foreach ($c in $Text.ToCharArray()) {
    $n = [int]$c
    if ($n -eq 34) { [void]$sb.Append('\"') }
    elseif ($n -eq 92) { [void]$sb.Append('\\') }
    elseif ($n -eq 10) { [void]$sb.Append('\n') }
    elseif ($n -eq 13) { [void]$sb.Append('\r') }
    elseif ($n -eq 9) { [void]$sb.Append('\t') }
    elseif ($n -lt 32 -or $n -gt 126) { [void]$sb.Append('\u').Append($n.ToString('x4')) }
    else { [void]$sb.Append($c) }
  }
  [void]$sb.Append('"')
  $sb.ToString()
}

function ConvertTo-RegenJson($Value, [int]$Depth = 5) {
  if ($null -eq $Value) { return 'null' }
  if ($Value -is [System.Management.Automation.SwitchParameter]) { $Value = $Value.IsPresent }
  if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
  $inv = [Globalization.CultureInfo]::InvariantCulture
  if ($Value -is [datetime]) { return ConvertTo-RegenJsonString ($Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', $inv)) }
  if ($Value -is [string] -or $Value -is [char] -or $Value -is [enum]) { return ConvertTo-RegenJsonString ([string]$Value) }
  if ($Value -is [ValueType]) {
    $code = [Type]::GetTypeCode($Value.GetType()).ToString()
    if ('SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64' -contains $code) { return $Value.ToString($inv) }
    if ($code -eq 'Decimal') { return $Value.ToString($inv) }
    if ($code -eq 'Double' -or $code -eq 'Single') {
      if ([double]::IsNaN($Value) -or [double]::IsInfinity($Value)) { return 'null' }
      return ([double]$Value).ToString('R', $inv)
    }
    return ConvertTo-RegenJsonString ([string]$Value)
  }
  if ($Depth -le 0) { return ConvertTo-RegenJsonString ([string]$Value) }
  $parts = New-Object System.Collections.ArrayList
  if ($Value -is [Collections.IDictionary]) {
    $keys = @($Value.Keys)
    if ($Value -is [Collections.Hashtable]) { $keys = @($keys | Sort-Object) }
    foreach ($k in $keys) {
      [void]$parts.Add((ConvertTo-RegenJsonString ([string]$k)) + ':' + (ConvertTo-RegenJson $Value[$k] ($Depth - 1)))
    }
    return '{' + ($parts -join ',') + '}'
  }
  if ($Value -is [Collections.IEnumerable]) {
    foreach ($item in $Value) { [void]$parts.Add((ConvertTo-RegenJson $item ($Depth - 1))) }
    return '[' + ($parts -join ',') + ']'
  }
  if ($Value -is [Management.Automation.PSCustomObject]) {
    foreach ($p in $Value.PSObject.Properties) {
      [void]$parts.Add((ConvertTo-RegenJsonString $p.Name) + ':' + (ConvertTo-RegenJson $p.Value ($Depth - 1)))
    }
    return '{' + ($parts -join ',') + '}'
  }
  ConvertTo-RegenJsonString ([string]$Value)
}

# Writes the task's result and ends the task with exit code 0.
function Write-RegenResult($Result) {
  [Console]::Out.WriteLine((ConvertTo-RegenJson $Result))
  [Console]::Out.Flush()
  exit 0
}

# Writes {"_error": ...} and ends the task with exit code 1.
function Exit-RegenError([string]$Kind, [string]$Message, $Details = @{}) {
  $err = @{ '_error' = @{ 'kind' = $Kind; 'msg' = $Message; 'details' = $Details } }
  [Console]::Out.WriteLine((ConvertTo-RegenJson $err))
  [Console]::Out.Flush()
  exit 1
}

# The trap of every task: what no check foresaw, with the line it happened on.
function Exit-RegenUnexpected([string]$Task, $Record) {
  Exit-RegenError 'regen/unexpected' ($Task + ': ' + [string]$Record) @{ 'line' = $Record.InvocationInfo.ScriptLineNumber }
}

# regen fills a required value the caller did not give from the target's profile (its windows:
# section), so an empty one here means neither gave it: refuse rather than guess a Windows default.
function Assert-RegenGiven([string]$Name, $Value) {
  if (@($Value | Where-Object { $null -ne $_ -and [string]$_ -ne '' }).Count -eq 0) {
    Exit-RegenError 'regen/bad-param' "parameter $Name is required and was not given: pass it, or set $Name in the windows: section of the target's profile" @{ 'param' = $Name }
  }
}

function Test-RegenElevated {
  $id = [Security.Principal.WindowsIdentity]::GetCurrent()
  (New-Object Security.Principal.WindowsPrincipal $id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function Assert-RegenElevated([string]$Task) {
  if (-not (Test-RegenElevated)) {
    $user = [Security.Principal.WindowsIdentity]::GetCurrent().Name
    Exit-RegenError 'regen/not-elevated' "task $Task must run as an elevated administrator, but runs as $user without the Administrators role; connect with an administrator account (over WinRM, a local administrator needs LocalAccountTokenFilterPolicy=1)" @{ 'user' = $user; 'task' = $Task }
  }
}

# Refuses a path, naming the parameter, the path and the rule broken (as the POSIX tasks do).
function Exit-RegenGuard([string]$Param, [string]$Path, [string]$Rule, [string]$Why, $Roots = $null) {
  $details = @{ 'param' = $Param; 'path' = $Path; 'rule' = $Rule }
  if ($null -ne $Roots) { $details['allowed_roots'] = @($Roots) }
  Exit-RegenError 'regen/guard' "refusing $Param '$Path': $Why" $details
}

# An absolute drive path with no '.'/'..' segment and no device or stream syntax, normalised.
function Get-RegenNormalPath([string]$Path, [string]$Param) {
  if ([string]::IsNullOrEmpty($Path) -or $Path.Trim().Length -eq 0) { Exit-RegenGuard $Param $Path 'empty' 'the path is empty' }
  $p = $Path.Replace('/', '\')
  if ($p -notmatch '^[A-Za-z]:\\') {
    Exit-RegenGuard $Param $Path 'relative' 'the path is not absolute with a drive letter (relative, UNC and device paths are refused)'
  }
  $rest = $p.Substring(3)
  if ($rest -match '[\x00-\x1f<>:"|?*]') {
    Exit-RegenGuard $Param $Path 'bad-character' 'the path holds a character Windows does not allow in a name (control, <>:"|?*)'
  }
  $parts = @($rest.Split('\') | Where-Object { $_ -ne '' })
  foreach ($part in $parts) {
    if ($part -eq '.' -or $part -eq '..' -or $part.EndsWith('.') -or $part.EndsWith(' ')) {
      Exit-RegenGuard $Param $Path 'dot-component' "the path has a '.', '..' or trailing-dot component ($part)"
    }
  }
  if ($parts.Count -eq 0) { Exit-RegenGuard $Param $Path 'root' 'the path is a drive root' }
  $p.Substring(0, 1).ToUpperInvariant() + ':\' + ($parts -join '\')
}

function Test-RegenReparsePoint([string]$Path) {
  if (-not ([IO.File]::Exists($Path) -or [IO.Directory]::Exists($Path))) { return $false }
  $attr = [IO.File]::GetAttributes($Path)
  ($attr -band [IO.FileAttributes]::ReparsePoint) -ne 0
}

# A path a task may change: strictly inside one of the allowed roots (never a root itself), and
# no link on the way down from the root (a junction could send a delete anywhere on the disk).
# With -Leaf the path itself may be a link (the task then acts on the link, not its target).
function Assert-RegenPath([string]$Path, [string[]]$AllowedRoots, [string]$Param = 'path', [switch]$Leaf) {
  $full = Get-RegenNormalPath $Path $Param
  $roots = @($AllowedRoots | Where-Object { $_ })
  if ($roots.Count -eq 0) { Exit-RegenGuard $Param $Path 'no-roots' 'allowed_roots is empty, so nothing may be changed' $roots }
  foreach ($r in $roots) {
    $root = Get-RegenNormalPath $r 'allowed_roots'
    if (-not $full.StartsWith($root + '\', [StringComparison]::OrdinalIgnoreCase)) { continue }
    $walk = $root
    foreach ($part in $full.Substring($root.Length + 1).Split('\')) {
      $walk = $walk + '\' + $part
      if ($Leaf -and $walk -eq $full) { break }
      if (Test-RegenReparsePoint $walk) {
        Exit-RegenGuard $Param $Path 'link' "$walk is a link (junction or symbolic link); regen does not follow links" $roots
      }
    }
    return $full
  }
  Exit-RegenGuard $Param $Path 'outside-roots' "it is not inside any allowed root (the roots themselves are never touched); allowed: $($roots -join ' ')" $roots
}

# Certnames as Puppet requires them (lowercase); service names safe in a WMI filter.
function Assert-RegenName([string]$Value, [string]$What, [string]$Param = $What) {
  $patterns = @{ 'certname' = '^[a-z0-9][a-z0-9._-]*$'; 'service' = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$' }
  if ($Value -cnotmatch $patterns[$What]) {
    Exit-RegenError 'regen/bad-param' "$Param '$Value' is not a valid $What (expected $($patterns[$What]))" @{ 'param' = $Param; 'value' = $Value }
  }
}

# Runs a native program; stdout and stderr are kept apart; never throws on a non-zero exit.
function Invoke-RegenNative([string]$FilePath, [string[]]$Arguments) {
  $ErrorActionPreference = 'Continue'
  $out = New-Object System.Collections.ArrayList
  $err = New-Object System.Collections.ArrayList
  $global:LASTEXITCODE = 0
  & $FilePath @Arguments 2>&1 | ForEach-Object {
    if ($_ -is [Management.Automation.ErrorRecord]) { [void]$err.Add([string]$_) } else { [void]$out.Add([string]$_) }
  }
  @{ 'exit_code' = $LASTEXITCODE; 'stdout' = ($out -join "`n"); 'stderr' = ($err -join "`n") }
}

# puppet.bat as the profile names it (windows.puppet), which must exist on this host.
function Assert-RegenPuppet([string]$Puppet) {
  Assert-RegenGiven 'puppet' $Puppet
  if (-not [IO.File]::Exists($Puppet)) {
    Exit-RegenError 'regen/puppet-missing' "puppet $Puppet does not exist on this host; is the Puppet Enterprise agent installed there? Otherwise set windows.puppet in the target's profile to its puppet.bat" @{ 'puppet' = $Puppet }
  }
}

# A puppet command with colours off: @{exit_code; stdout; stderr; output (both, ANSI codes removed)}.
function Invoke-RegenPuppet([string]$Puppet, [string[]]$Arguments) {
  $run = Invoke-RegenNative $Puppet ($Arguments + @('--color=false'))
  $both = ($run['stdout'] + "`n" + $run['stderr']) -replace "$([char]27)\[[0-9;]*m", ''
  $run['output'] = $both.Trim()
  $run
}

# `puppet config print a b c --section S` prints "a = value" lines; every name must be there.
function Get-RegenPuppetConfig([string]$Puppet, [string[]]$Names, [string]$Section = 'main') {
  $run = Invoke-RegenPuppet $Puppet (@('config', 'print') + $Names + @('--section', $Section))
  $what = "'puppet config print $($Names -join ' ') --section $Section'"
  $details = @{ 'exit_code' = $run['exit_code']; 'output' = @($run['output'].Split("`n") | Select-Object -Last 30) }
  if ($run['exit_code'] -ne 0) { Exit-RegenError 'regen/puppet-failed' "$what failed (exit $($run['exit_code']))" $details }
  $config = @{}
  foreach ($line in $run['stdout'].Split("`n")) {
    if ($line -match '^([a-z_]+) = ?(.*?)\s*$') { $config[$Matches[1]] = $Matches[2] }
  }
  foreach ($n in $Names) {
    if (-not $config.ContainsKey($n)) { Exit-RegenError 'regen/puppet-failed' "$what did not print $n" $details }
  }
  $config
}

function Format-RegenTime([datetime]$Time) {
  $Time.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
}
