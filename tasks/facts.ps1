# regen::facts on Windows: what regen must know before it touches anything: Puppet's own
# settings (one `puppet config print`, as the administrator, whose confdir is the one PE
# uses), the Puppet version, the OS, the current certificate and CA, the clock, whether we
# run elevated and the free space where backups go. Read-only. Same shape as facts.sh.
param(
  [string]$puppet,
  [string]$section = 'main',
  [string[]]$disk_paths,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
. (Join-Path $_installdir 'regen\files\pki.ps1')
trap { Exit-RegenUnexpected 'facts' $_ }

if ('main', 'master', 'agent', 'user' -cnotcontains $section) {
  Exit-RegenError 'regen/bad-param' "section '$section' is not a valid puppet.conf section (expected main, master, agent or user)" @{ 'param' = 'section'; 'value' = $section }
}
# A non-elevated `puppet config print` answers for the user's own confdir, not the agent's.
Assert-RegenElevated 'facts'
$disks = New-Object System.Collections.ArrayList
# @(...) because PowerShell 2.0 runs a foreach over $null once.
foreach ($p in @($disk_paths | Where-Object { $_ })) {
  $full = Get-RegenNormalPath $p 'disk_paths'
  $free = [long](New-Object IO.DriveInfo ($full.Substring(0, 1))).AvailableFreeSpace
  [void]$disks.Add(@{ 'path' = $full; 'free_bytes' = $free })
}
Assert-RegenPuppet $puppet

$config = Get-RegenPuppetConfig $puppet @('certname', 'dns_alt_names', 'ssldir', 'client_datadir', 'confdir', 'hostcert', 'localcacert') $section
$version = Invoke-RegenNative $puppet @('--version')
if ($version['exit_code'] -ne 0) {
  Exit-RegenError 'regen/puppet-failed' "'puppet --version' failed (exit $($version['exit_code']))" @{ 'exit_code' = $version['exit_code']; 'output' = $version['stderr'] }
}
$versionRaw = @($version['stdout'].Trim().Split("`n"))[-1].Trim()
$alt = @()
if ($config['dns_alt_names']) {
  $alt = @($config['dns_alt_names'].Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
}

$cert = Get-RegenCertJson $config['hostcert']
# The alt names a regenerated certificate must keep: puppet.conf's dns_alt_names plus the DNS
# names of the current certificate (which may hold names added by hand), without the certname.
$keep = New-Object System.Collections.ArrayList
$candidates = @($alt)
if ($cert) { $candidates += @($cert['sans'] | Where-Object { $_.StartsWith('DNS:') } | ForEach-Object { $_.Substring(4) }) }
foreach ($n in $candidates) {
  if ($n -and $n -cne $config['certname'] -and -not $keep.Contains($n)) { [void]$keep.Add($n) }
}
$ca = Get-RegenCertJson $config['localcacert']
$issued = $null
if ($cert -and $ca) { $issued = (Test-RegenCertVerify $config['localcacert'] $config['hostcert'])['ok'] }

$os = Get-WmiObject -Class Win32_OperatingSystem
$arch = 'x86'
if ([string]$os.OSArchitecture -match '64') { $arch = 'x64' }
$now = Get-Date
Write-RegenResult @{
  'certname' = $config['certname']
  'dns_alt_names' = $alt
  'alt_names_list' = $keep.ToArray()
  'alt_names_to_keep' = ($keep.ToArray() -join ',')
  'ssldir' = $config['ssldir']
  'client_datadir' = $config['client_datadir']
  'confdir' = $config['confdir']
  'hostcert' = $config['hostcert']
  'localcacert' = $config['localcacert']
  'puppet' = @{ 'path' = $puppet; 'version' = $versionRaw.Split(' ')[0]; 'version_string' = $versionRaw }
  'os' = @{
    'kernel' = 'windows'; 'release' = [string]$os.Version; 'arch' = $arch; 'hostname' = [Environment]::MachineName.ToLowerInvariant()
    'id' = 'windows'; 'version' = [string]$os.Version; 'name' = [string]$os.Caption
  }
  'cert' = $cert
  'ca' = $ca
  'cert_issued_by_ca' = $issued
  'clock' = @{ 'epoch' = [long][Math]::Floor(($now.ToUniversalTime() - (New-Object DateTime 1970, 1, 1, 0, 0, 0, ([DateTimeKind]::Utc))).TotalSeconds); 'utc' = Format-RegenTime $now }
  'root' = $true
  'elevated' = $true
  'user' = [Security.Principal.WindowsIdentity]::GetCurrent().Name
  'disk' = $disks.ToArray()
}
