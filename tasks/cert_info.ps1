# regen::cert_info on Windows: one certificate read with .NET: subject, issuer, SANs, validity,
# serial and SHA256 fingerprint, and optionally whether it was issued by a CA certificate. Give
# path, or certname (read from SSLDIR\certs\CERTNAME.pem), or neither to read this host's own
# certificate (as puppet config says). Read-only. Same shape as cert_info.sh.
param(
  [string]$path,
  [string]$certname,
  [string]$ssldir,
  [string]$ca_file,
  [string]$expected_ca_fingerprint,
  [string]$puppet,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
. (Join-Path $_installdir 'regen\files\pki.ps1')
trap { Exit-RegenUnexpected 'cert_info' $_ }

if ($path -and $certname) { Exit-RegenError 'regen/bad-param' 'give path or certname, not both' @{} }
Assert-RegenElevated 'cert_info'
if (-not $path) {
  if (-not $certname -or -not $ssldir) {
    Assert-RegenPuppet $puppet
    $config = Get-RegenPuppetConfig $puppet @('certname', 'ssldir') 'main'
    if (-not $certname) { $certname = $config['certname'] }
    if (-not $ssldir) { $ssldir = $config['ssldir'] }
  }
  Assert-RegenName $certname 'certname'
  $path = (Get-RegenNormalPath $ssldir 'ssldir') + "\certs\$certname.pem"
}
$path = Get-RegenNormalPath $path 'path'
if (-not [IO.File]::Exists($path)) { Exit-RegenError 'regen/not-found' "there is no certificate at $path" @{ 'path' = $path } }
$info = Get-RegenCertJson $path
if (-not $ca_file -and $expected_ca_fingerprint -and $ssldir) { $ca_file = (Get-RegenNormalPath $ssldir 'ssldir') + '\certs\ca.pem' }
if ($ca_file) {
  $caPath = Get-RegenNormalPath $ca_file 'ca_file'
  if (-not [IO.File]::Exists($caPath)) { Exit-RegenError 'regen/not-found' "there is no CA certificate at $caPath" @{ 'ca_file' = $caPath } }
  $v = Test-RegenCertVerify $caPath $path
  $info['verify'] = @{ 'ca_file' = $caPath; 'ok' = $v['ok']; 'message' = $v['message'] }
}
if ($expected_ca_fingerprint) {
  # The chain check of Step 6: the certificate verifies against a CA that is the master's new one.
  if (-not $ca_file) { Exit-RegenError 'regen/bad-param' 'expected_ca_fingerprint needs ca_file (or an ssldir, whose certs\ca.pem is used)' @{} }
  $caFp = (Get-RegenCertJson $caPath)['fingerprint']['value']
  if ($caFp -ne $expected_ca_fingerprint) {
    Exit-RegenError 'regen/wrong-ca' "the CA certificate $caPath is not the expected CA (fingerprint $caFp, expected $expected_ca_fingerprint): the agent still trusts another CA; re-run its re-enrollment" @{ 'ca_file' = $caPath; 'fingerprint' = $caFp }
  }
  if (-not $v['ok']) { Exit-RegenError 'regen/chain-failed' "$path does not verify against the CA ${caPath}: $($v['message'])" @{ 'path' = $path } }
}
Write-RegenResult $info
