# Shared helpers for regen's PowerShell tasks (dot-sourced; delivered beside the task as
# regen/files/common.ps1). Written for Windows PowerShell 2.0: no ConvertTo-Json, no
# Get-FileHash, no [ordered], no classes.
#
# Output contract: one JSON object on stdout. Failure: {"_error": {"kind", "msg", "details"}}
# and exit code 1. Non-ASCII is written as \uXXXX so the output survives any code page.

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

function Get-RegenProgramData {
  $pd = $env:ProgramData
  if (-not $pd) { $pd = [Environment]::GetFolderPath('CommonApplicationData') }
  $pd
}

# PE 3.7 Windows defaults; every one can be overridden by a task parameter.
function Get-RegenDefaults {
  $base = Join-Path (Get-RegenProgramData) 'PuppetLabs'
  @{
    'allowed_roots' = @($base)
    'confdir' = Join-Path $base 'puppet\etc'
    'ssldir' = Join-Path $base 'puppet\etc\ssl'
    'client_datadir' = Join-Path $base 'puppet\var\client_data'
    'backup_root' = Join-Path $base 'regen\backups'
  }
}

# The task metadata is shared with the POSIX implementations, and its defaults are POSIX paths
# (Bolt and regen apply metadata defaults whatever the implementation). A value starting with
# '/' can never be a Windows path: it counts as not given, and the Windows default applies.
function Get-RegenWindowsPath([string]$Value) {
  if ($Value -and $Value.StartsWith('/')) { return '' }
  $Value
}

function Get-RegenWindowsPaths([string[]]$Values) {
  , @($Values | Where-Object { $_ -and -not $_.StartsWith('/') })
}

function Get-RegenAllowedRoots([string[]]$Roots) {
  $Roots = Get-RegenWindowsPaths $Roots
  if ($Roots.Count -gt 0) { return , $Roots }
  , @((Get-RegenDefaults)['allowed_roots'])
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
  $roots = Get-RegenAllowedRoots $AllowedRoots
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

# puppet.bat from the installer's registry keys (64- and 32-bit views), else from PATH.
function Find-RegenPuppet {
  $keys = 'HKLM:\SOFTWARE\Puppet Labs\Puppet', 'HKLM:\SOFTWARE\Wow6432Node\Puppet Labs\Puppet'
  foreach ($key in $keys) {
    if (-not (Test-Path -LiteralPath $key)) { continue }
    $item = Get-ItemProperty -LiteralPath $key
    foreach ($name in 'RememberedInstallDir64', 'RememberedInstallDir') {
      $dir = $item.$name
      if ($dir) {
        $bat = Join-Path $dir 'bin\puppet.bat'
        if (Test-Path -LiteralPath $bat) { return $bat }
      }
    }
  }
  $cmd = Get-Command 'puppet.bat' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
  if ($cmd) { return $cmd.Path }
  Exit-RegenError 'regen/puppet-missing' 'puppet.bat was found neither from the registry (HKLM\SOFTWARE\Puppet Labs\Puppet RememberedInstallDir/RememberedInstallDir64) nor on PATH; is the Puppet Enterprise agent installed?' @{}
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
