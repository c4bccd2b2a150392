# regen::puppet_run on Windows: one `puppet agent -t` (onetime, no daemon, detailed exit codes).
# 0 and 2 are success; 1, 4 and 6 are failures, explained. After the ssl dir was cleared, this
# run makes a new key and submits a certificate request to the CA (exit 1 until it is signed).
param(
  [string]$puppet,
  [int]$waitforcert = 0,
  [int]$busy_wait = 0,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
trap { Exit-RegenUnexpected 'puppet_run' $_ }

Assert-RegenElevated 'puppet_run'
if ($waitforcert -lt 0 -or $waitforcert -gt 9999) {
  Exit-RegenError 'regen/bad-param' "waitforcert $waitforcert is not a number of seconds (0 to 9999)" @{ 'param' = 'waitforcert'; 'value' = $waitforcert }
}
Assert-RegenPuppet $puppet

$arguments = @('agent', '--test', '--detailed-exitcodes', '--waitforcert', [string]$waitforcert)
$command = 'puppet ' + ($arguments -join ' ')
# Even `puppet agent --noop` would make a key and submit a request: in no-op mode nothing runs.
if ($_noop) { Write-RegenResult @{ 'noop' = $true; 'command' = $command; 'puppet' = $puppet } }

# The agent service may be running a catalog itself (it just got its certificate): wait for it.
$waited = 0
while ($true) {
  $run = Invoke-RegenPuppet $puppet $arguments
  $code = [int]$run['exit_code']
  $output = $run['output']
  if ($code -ne 1 -or $output -notmatch 'already in progress' -or $waited -ge $busy_wait) { break }
  Start-Sleep -Seconds 5
  $waited += 5
}
$lines = @($output.Split("`n") | ForEach-Object { $_.TrimEnd() } | Where-Object { $_ -ne '' })
$tail = @($lines | Select-Object -Last 20)
$result = @{ 'exit_code' = $code; 'command' = $command; 'output' = $tail }

if ($code -eq 0) { $result['changes'] = $false; $result['meaning'] = 'the run succeeded with no changes'; Write-RegenResult $result }
if ($code -eq 2) { $result['changes'] = $true; $result['meaning'] = 'the run succeeded and made changes'; Write-RegenResult $result }
$reason = 'run-failed'
if ($code -eq 4) { $meaning = 'the run completed but some resources failed' }
elseif ($code -eq 6) { $meaning = 'the run made changes but some resources failed' }
elseif ($code -ne 1) { $meaning = 'puppet exited with an unexpected code' }
elseif ($output -match 'no certificate found and waitforcert is disabled|Did not receive certificate') {
  $reason = 'waiting-for-cert'
  $meaning = 'the agent has no signed certificate yet: sign its request on the CA master (cert_sign), then run again'
}
elseif ($output -match 'already in progress') {
  $reason = 'run-in-progress'
  $meaning = "another Puppet run was still in progress after ${waited}s (its lock file exists): wait for it and run again, or raise busy_wait"
}
elseif ($output -match 'certificate verify failed|does not match') {
  $reason = 'cert-mismatch'
  $meaning = "SSL verification failed: the agent's certificate or CA copy does not match the master's CA; clear the agent's ssldir and request a new certificate"
}
elseif ($output -match 'Could not retrieve catalog|Could not request certificate|Connection refused') {
  $reason = 'master-unreachable'
  $meaning = 'the agent could not get a catalog or certificate from the master: is the master up and reachable, and did its catalog compile?'
}
else { $meaning = 'the run failed or could not start' }
$result['reason'] = $reason
$result['meaning'] = $meaning
Exit-RegenError 'regen/puppet-run-failed' "puppet agent run failed with exit code ${code}: $meaning" $result
