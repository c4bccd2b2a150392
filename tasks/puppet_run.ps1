# regen::puppet_run on Windows: one `puppet agent -t` (onetime, no daemon, detailed exit codes).
# 0 and 2 are success; 1, 4 and 6 are failures, explained. After the ssl dir was cleared, this
# run makes a new key and submits a certificate request to the CA (exit 1 until it is signed).
param(
  [string]$puppet,
  [int]$waitforcert = 0,
  [switch]$_noop,
  [string]$_installdir
)
$ErrorActionPreference = 'Stop'
if ($_installdir) { $lib = Join-Path $_installdir 'regen\files\common.ps1' }
else { $lib = Join-Path (Split-Path -Parent $MyInvocation.MyCommand.Path) '..\files\common.ps1' }
. $lib
trap { Exit-RegenError 'regen/unexpected' ('puppet_run: ' + [string]$_) @{ 'line' = $_.InvocationInfo.ScriptLineNumber } }

Assert-RegenElevated 'puppet_run'
if ($waitforcert -lt 0 -or $waitforcert -gt 3600) {
  Exit-RegenError 'regen/bad-param' "waitforcert $waitforcert must be between 0 and 3600 seconds" @{ 'waitforcert' = $waitforcert }
}
if ($puppet) {
  if (-not (Test-Path -LiteralPath $puppet -PathType Leaf)) {
    Exit-RegenError 'regen/puppet-missing' "puppet $puppet does not exist on this host" @{ 'puppet' = $puppet }
  }
}
else { $puppet = Find-RegenPuppet }

$arguments = @('agent', '--test', '--detailed-exitcodes', '--waitforcert', [string]$waitforcert)
$command = 'puppet ' + ($arguments -join ' ') + ' --color=false'
# Even `puppet agent --noop` would make a key and submit a request: in no-op mode nothing runs.
if ($_noop) { Write-RegenResult @{ 'noop' = $true; 'command' = $command; 'puppet' = $puppet } }

$run = Invoke-RegenPuppet $puppet $arguments
$code = [int]$run['exit_code']
$output = $run['output']
$lines = @($output.Split("`n") | ForEach-Object { $_.TrimEnd() } | Where-Object { $_ -ne '' })
$tail = @($lines | Select-Object -Last 20)
$result = @{ 'exit_code' = $code; 'command' = $command; 'output' = $tail }

switch ($code) {
  0 { $result['changes'] = $false; $result['meaning'] = 'the run succeeded with no changes'; Write-RegenResult $result }
  2 { $result['changes'] = $true; $result['meaning'] = 'the run succeeded and changed resources'; Write-RegenResult $result }
  4 { $meaning = 'the run completed but some resources failed' }
  6 { $meaning = 'the run completed with changes, and some resources failed' }
  default { $meaning = "the run failed (exit code $code)" }
}
$reason = 'run-failed'
if ($output -match 'no certificate found and waitforcert is disabled|Did not receive certificate') {
  $reason = 'waiting-for-cert'
  $meaning = 'the agent submitted a certificate request and has no signed certificate yet; sign it on the CA (puppet cert sign) and run again'
}
elseif ($output -match 'already in progress') {
  $reason = 'run-in-progress'
  $meaning = 'another Puppet run holds the lock; wait for it or stop the pe-puppet service first'
}
elseif ($output -match 'certificate verify failed|does not match the server|Certificate .* has been revoked') {
  $reason = 'cert-mismatch'
  $meaning = "the agent's certificate or CA does not match the master's; clear the agent's ssl dir and request a new certificate"
}
$result['reason'] = $reason
$result['meaning'] = $meaning
Exit-RegenError 'regen/puppet-run' "puppet agent run failed: $meaning" $result
