# regen::service on Windows: status, stop, start or restart a PE service (pe-puppet,
# pe-mcollective) through the service control manager, and report the state before and
# after, as service.sh does. A stop waits up to `timeout` seconds; when the service hangs in
# StopPending (pe-mcollective is known to), it is queried again and its process is ended
# only when force_kill is true.
param(
  [string]$name,
  [string[]]$names,
  [string]$action = 'status',
  [int]$timeout = 60,
  [bool]$force_kill = $false,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
trap { Exit-RegenUnexpected 'service' $_ }

if ($name -and $names) { Exit-RegenError 'regen/bad-param' 'give either name or names, not both' @{ 'param' = 'name' } }
# An empty list (a restore with nothing to start again) is nothing to do.
if (-not $name -and $PSBoundParameters.ContainsKey('names') -and @($names).Count -eq 0) {
  Write-RegenResult @{ 'action' = $action; 'services' = @() }
  exit 0
}
$list = if ($names) { @($names) } else { @($name) }
foreach ($n in $list) { Assert-RegenName $n 'service' }
if ('status', 'stop', 'start', 'restart' -notcontains $action) {
  Exit-RegenError 'regen/bad-param' "action '$action' must be one of status, stop, start, restart" @{ 'action' = $action }
}
if ($timeout -lt 1 -or $timeout -gt 3600) {
  Exit-RegenError 'regen/bad-param' "timeout $timeout must be between 1 and 3600 seconds" @{ 'timeout' = $timeout }
}
Assert-RegenElevated 'service'


function Get-State {
  $svc.Refresh()
  $svc.Status.ToString().ToLowerInvariant()
}

function Get-ServiceInfo {
  $w = Get-WmiObject -Class Win32_Service -Filter "Name='$name'"
  if ($w) { @{ 'pid' = [int]$w.ProcessId; 'start_mode' = [string]$w.StartMode } } else { @{ 'pid' = 0; 'start_mode' = $null } }
}

# Polls until the service reaches $Wanted or $Seconds pass; returns whether it did.
function Wait-State([string]$Wanted, [int]$Seconds) {
  $deadline = (Get-Date).AddSeconds($Seconds)
  while ($true) {
    if ((Get-State) -eq $Wanted) { return $true }
    if ((Get-Date) -ge $deadline) { return $false }
    Start-Sleep -Milliseconds 500
  }
}

function Stop-RegenService($Result) {
  $procId = (Get-ServiceInfo)['pid']
  if ((Get-State) -ne 'stoppending') { $svc.Stop() }
  if (Wait-State 'stopped' $timeout) { return }
  # Hung: ask the service control manager once more before deciding anything.
  $state = Get-State
  if ($state -eq 'stopped') { $Result['requeried'] = $true; return }
  $info = Get-ServiceInfo
  if ($info['pid'] -ne 0) { $procId = $info['pid'] }
  $details = @{ 'service' = $name; 'state' = $state; 'pid' = $procId; 'timeout' = $timeout }
  if (-not $force_kill) {
    Exit-RegenError 'regen/service-hung' "service $name did not stop within $timeout s (still $state, process $procId); rerun with force_kill=true to end its process, or stop it on the host" $details
  }
  if ($procId -eq 0) {
    Exit-RegenError 'regen/service-hung' "service $name did not stop within $timeout s and its process id is unknown; stop it on the host" $details
  }
  $sharing = @(Get-WmiObject -Class Win32_Service -Filter "ProcessId=$procId" | Where-Object { $_.Name -ne $name } | ForEach-Object { $_.Name })
  if ($sharing.Count -gt 0) {
    $details['shared_with'] = $sharing
    Exit-RegenError 'regen/service-hung' "service $name is hung but its process $procId also hosts $($sharing -join ', '); refusing to end it" $details
  }
  Stop-Process -Id $procId -Force
  if (-not (Wait-State 'stopped' 30)) {
    $details['state'] = Get-State
    Exit-RegenError 'regen/service-hung' "process $procId of service $name was ended but the service is still $($details['state'])" $details
  }
  $Result['forced'] = $true
  $Result['killed_pid'] = $procId
}

function Start-RegenService {
  $svc.Start()
  if (-not (Wait-State 'running' $timeout)) {
    $state = Get-State
    Exit-RegenError 'regen/service-failed' "service $name did not reach running within $timeout s (now $state); see the Application event log on the host" @{ 'service' = $name; 'state' = $state; 'timeout' = $timeout }
  }
}

# Several services (names): in their order, stopping at the first that fails (the later ones untouched).
$reports = @()
foreach ($name in $list) {
  $svc = Get-Service -Name $name -ErrorAction SilentlyContinue
  if (-not $svc) {
    Exit-RegenError 'regen/service-failed' "there is no service named $name on this host" @{ 'service' = $name }
  }
  $before = Get-State
  $result = @{ 'service' = $name; 'action' = $action; 'before' = $before; 'changed' = $false }
  $wantStop = ($action -eq 'stop' -or $action -eq 'restart') -and $before -ne 'stopped'
  $wantStart = ($action -eq 'start' -and $before -ne 'running') -or $action -eq 'restart'
  if ($_noop) {
    $result['noop'] = $true
    $result['changed'] = $wantStop -or $wantStart
    if ($action -eq 'stop') { $result['after'] = 'stopped' }
    elseif ($action -eq 'status') { $result['after'] = $before }
    else { $result['after'] = 'running' }
  } else {
    if ($wantStop) { Stop-RegenService $result; $result['changed'] = $true }
    if ($wantStart) { Start-RegenService; $result['changed'] = $true }
    $info = Get-ServiceInfo
    $result['after'] = Get-State
    $result['pid'] = $info['pid']
    $result['start_mode'] = $info['start_mode']
  }
  $reports += $result
}
if ($names) { Write-RegenResult @{ 'action' = $action; 'services' = $reports } }
Write-RegenResult $reports[0]
