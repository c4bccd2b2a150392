# regen::cert_info on Windows: the agent's certificate, key, pending request and CA
# certificate as found in its ssl dir (subject, issuer, SANs, validity, fingerprints).
# Read-only. certname and ssldir default to what `puppet config print` says.
param(
  [string]$certname,
  [string]$ssldir,
  [string]$puppet,
  [switch]$_noop,
  [string]$_installdir
)
$ErrorActionPreference = 'Stop'
if ($_installdir) { $lib = Join-Path $_installdir 'regen\files\common.ps1' }
else { $lib = Join-Path (Split-Path -Parent $MyInvocation.MyCommand.Path) '..\files\common.ps1' }
. $lib
trap { Exit-RegenError 'regen/unexpected' ('cert_info: ' + [string]$_) @{ 'line' = $_.InvocationInfo.ScriptLineNumber } }

Assert-RegenElevated 'cert_info'
if (-not $certname -or -not $ssldir) {
  if (-not $puppet) { $puppet = Find-RegenPuppet }
  $config = Get-RegenPuppetConfig $puppet @('certname', 'ssldir')
  if (-not $certname) { $certname = $config['certname'] }
  if (-not $ssldir) { $ssldir = $config['ssldir'] }
}
Assert-RegenName $certname 'certname'
$ssldir = Get-RegenNormalPath $ssldir 'ssldir'

$cert = Get-RegenCertJson (Join-Path $ssldir "certs\$certname.pem")
$ca = Get-RegenCertJson (Join-Path $ssldir 'certs\ca.pem')
$key = Join-Path $ssldir "private_keys\$certname.pem"
$csr = Join-Path $ssldir "certificate_requests\$certname.pem"
$crl = Join-Path $ssldir 'crl.pem'
$issuedByCa = $null
if ($cert -and $ca) { $issuedByCa = ($cert['issuer'] -eq $ca['subject']) }

Write-RegenResult @{
  'certname' = $certname
  'ssldir' = $ssldir
  'cert' = $cert
  'ca' = $ca
  'issued_by_ca' = $issuedByCa
  'key_present' = [IO.File]::Exists($key)
  'csr_present' = [IO.File]::Exists($csr)
  'crl_present' = [IO.File]::Exists($crl)
}
