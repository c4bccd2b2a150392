# regen::cert_request on Windows: make the agent request a new certificate after its ssl dir was
# cleared, as cert_request.sh does: start its service (method service; it submits a request when it
# starts) or run `puppet ssl submit_request` (method submit_request, Puppet 6+).
param(
  [string]$method,
  [string]$service,
  [string]$puppet,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
trap { Exit-RegenUnexpected 'cert_request' $_ }

if ('service', 'submit_request' -notcontains $method) {
  Exit-RegenError 'regen/bad-param' "method '$method' must be service or submit_request" @{ 'param' = 'method'; 'value' = $method }
}
Assert-RegenElevated 'cert_request'
Assert-RegenPuppet $puppet

if ($method -eq 'service') {
  Assert-RegenName $service 'service'
  $command = "Start-Service $service"
  if ($_noop) { Write-RegenResult @{ 'method' = $method; 'command' = $command; 'noop' = $true } }
  $svc = Get-Service -Name $service -ErrorAction SilentlyContinue
  if (-not $svc) { Exit-RegenError 'regen/service-failed' "there is no service named $service on this host" @{ 'service' = $service } }
  if ($svc.Status -ne 'Running') { $svc.Start() }
  try { $svc.WaitForStatus('Running', (New-TimeSpan -Seconds 60)) } catch {
    $svc.Refresh()
    Exit-RegenError 'regen/service-failed' "service $service did not reach running within 60 s (now $($svc.Status)); see the Application event log on the host" @{ 'service' = $service }
  }
  Write-RegenResult @{ 'method' = $method; 'command' = $command; 'service' = $service; 'state' = 'running' }
}

$arguments = @('ssl', 'submit_request')
$command = 'puppet ssl submit_request'
if ($_noop) { Write-RegenResult @{ 'method' = $method; 'command' = $command; 'noop' = $true } }
$run = Invoke-RegenPuppet $puppet $arguments
$output = [string]$run['output']
$lines = @($output.Split("`n") | ForEach-Object { $_.TrimEnd() } | Where-Object { $_ -ne '' })
if ([int]$run['exit_code'] -ne 0 -and $output -notmatch 'already has a requested certificate|already exists') {
  Exit-RegenError 'regen/puppet-failed' "'$command' did not submit a certificate request (exit $($run['exit_code'])): is the CA server up and reachable, and does this agent trust its CA?" @{ 'exit_code' = [int]$run['exit_code']; 'output' = @($lines | Select-Object -Last 30) }
}
Write-RegenResult @{ 'method' = $method; 'command' = $command; 'output' = @($lines | Select-Object -Last 5) }
