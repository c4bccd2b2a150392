# regen::facts on Windows: what the agents plan must know before it deletes anything:
# Puppet's own settings (from `puppet config print` as the administrator, whose confdir is
# the one PE uses), the current certificate, the services, the OS and the clock.
param(
  [string]$puppet,
  [switch]$_noop,
  [string]$_installdir
)
$ErrorActionPreference = 'Stop'
if ($_installdir) { $lib = Join-Path $_installdir 'regen\files\common.ps1' }
else { $lib = Join-Path (Split-Path -Parent $MyInvocation.MyCommand.Path) '..\files\common.ps1' }
. $lib
trap { Exit-RegenError 'regen/unexpected' ('facts: ' + [string]$_) @{ 'line' = $_.InvocationInfo.ScriptLineNumber } }

# A non-elevated `puppet config print` answers for the user's own confdir, not the agent's.
Assert-RegenElevated 'facts'

if ($puppet) {
  if (-not (Test-Path -LiteralPath $puppet -PathType Leaf)) {
    Exit-RegenError 'regen/puppet-missing' "puppet $puppet does not exist on this host; leave the puppet parameter empty to find puppet.bat from the registry" @{ 'puppet' = $puppet }
  }
}
else { $puppet = Find-RegenPuppet }

$config = Get-RegenPuppetConfig $puppet @('certname', 'dns_alt_names', 'ssldir', 'client_datadir', 'confdir')
$version = Invoke-RegenNative $puppet @('--version')
$certname = $config['certname']
Assert-RegenName $certname 'certname'

$alt = @()
if ($config['dns_alt_names']) {
  $alt = @($config['dns_alt_names'].Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
}

$ssldir = $config['ssldir']
$cert = Get-RegenCertJson (Join-Path $ssldir "certs\$certname.pem")
$ca = Get-RegenCertJson (Join-Path $ssldir 'certs\ca.pem')
$keyPresent = [IO.File]::Exists((Join-Path $ssldir "private_keys\$certname.pem"))
$catalog = Join-Path $config['client_datadir'] "catalog\$certname.json"

$services = @{}
foreach ($svcName in 'pe-puppet', 'pe-mcollective') {
  $s = Get-Service -Name $svcName -ErrorAction SilentlyContinue
  if ($s) { $services[$svcName] = $s.Status.ToString().ToLowerInvariant() } else { $services[$svcName] = 'absent' }
}

$os = Get-WmiObject -Class Win32_OperatingSystem
$net = [Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
$fqdn = $net.HostName
if ($net.DomainName) { $fqdn = $fqdn + '.' + $net.DomainName }

Write-RegenResult @{
  'certname' = $certname
  'dns_alt_names' = $alt
  'ssldir' = $ssldir
  'client_datadir' = $config['client_datadir']
  'confdir' = $config['confdir']
  'catalog' = @{ 'path' = $catalog; 'present' = (Test-Path -LiteralPath $catalog -PathType Leaf) }
  'puppet' = $puppet
  'puppet_version' = $version['stdout'].Trim()
  'cert' = $cert
  'ca_cert' = $ca
  'key_present' = $keyPresent
  'services' = $services
  'os' = @{ 'family' = 'windows'; 'name' = [string]$os.Caption; 'version' = [string]$os.Version; 'architecture' = [string]$os.OSArchitecture }
  'hostname' = $net.HostName.ToLowerInvariant()
  'fqdn' = $fqdn.ToLowerInvariant()
  'clock' = Format-RegenTime (Get-Date)
  'elevated' = $true
  'user' = [Security.Principal.WindowsIdentity]::GetCurrent().Name
}
