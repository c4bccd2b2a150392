# Certificate helpers for regen's PowerShell tasks (dot-sourced after task.ps1): read a PEM
# certificate with .NET, describe it as the POSIX tasks do (files/pki.sh), check its issuer.

# The first certificate of a PEM file, or $null when the file holds none.
function Read-RegenPemCertificate([string]$Path) {
  $text = [IO.File]::ReadAllText($Path)
  $m = [regex]::Match($text, '-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----')
  if (-not $m.Success) { return $null }
  $der = [Convert]::FromBase64String(($m.Groups[1].Value -replace '\s', ''))
  New-Object Security.Cryptography.X509Certificates.X509Certificate2 (, $der)
}

# DER length at $Index: returns @(length, index of the first content byte).
function Read-RegenDerLength([byte[]]$Data, [int]$Index) {
  $b = [int]$Data[$Index]
  if ($b -lt 128) { return @($b, ($Index + 1)) }
  $count = $b -band 127
  $len = 0
  for ($i = 1; $i -le $count; $i++) { $len = ($len * 256) + [int]$Data[$Index + $i] }
  @($len, ($Index + 1 + $count))
}

# Subject alternative names as "DNS:name" / "IP Address:addr", as openssl prints them, read from
# the DER bytes of the extension (the .NET Format() text is localised).
function Get-RegenCertSans($Cert) {
  $sans = New-Object System.Collections.ArrayList
  foreach ($ext in $Cert.Extensions) {
    if ($ext.Oid.Value -ne '2.5.29.17') { continue }
    $d = $ext.RawData
    if ($d[0] -ne 0x30) { continue }
    $seq = Read-RegenDerLength $d 1
    $i = $seq[1]
    $end = $i + $seq[0]
    while ($i -lt $end) {
      $tag = [int]$d[$i]
      $item = Read-RegenDerLength $d ($i + 1)
      $bytes = New-Object byte[] $item[0]
      [Array]::Copy($d, $item[1], $bytes, 0, $item[0])
      if ($tag -eq 0x82) { [void]$sans.Add('DNS:' + [Text.Encoding]::ASCII.GetString($bytes)) }
      elseif ($tag -eq 0x87) { [void]$sans.Add('IP Address:' + (New-Object Net.IPAddress (, $bytes)).ToString()) }
      $i = $item[1] + $item[0]
    }
  }
  , $sans.ToArray()
}

# One certificate as the POSIX tasks describe it; $null when the file is absent.
function Get-RegenCertJson([string]$Path) {
  if (-not [IO.File]::Exists($Path)) { return $null }
  $cert = $null
  try { $cert = Read-RegenPemCertificate $Path } catch { $cert = $null }
  if ($null -eq $cert) {
    Exit-RegenError 'regen/not-a-certificate' "$Path is not a readable PEM certificate" @{ 'path' = $Path }
  }
  $sha = [Security.Cryptography.SHA256]::Create().ComputeHash($cert.RawData)
  @{
    'path' = $Path
    'subject' = ($cert.Subject -replace ', (?=[A-Za-z]+=)', ',')
    'issuer' = ($cert.Issuer -replace ', (?=[A-Za-z]+=)', ',')
    'serial' = $cert.SerialNumber
    'not_before' = Format-RegenTime $cert.NotBefore
    'not_after' = Format-RegenTime $cert.NotAfter
    'sans' = (Get-RegenCertSans $cert)
    'fingerprint' = @{ 'algorithm' = 'SHA256'; 'value' = ([BitConverter]::ToString($sha) -replace '-', ':') }
    'expired' = ($cert.NotAfter.ToUniversalTime() -lt (Get-Date).ToUniversalTime())
  }
}

# Whether $CertPath was issued by the CA certificate in $CaPath: sets @{ok; message}. The CA is
# given to the chain engine as an extra store; an untrusted root is expected (it is not in the
# Windows store), anything else is a failure.
function Test-RegenCertVerify([string]$CaPath, [string]$CertPath) {
  $ca = Read-RegenPemCertificate $CaPath
  $cert = Read-RegenPemCertificate $CertPath
  if ($null -eq $ca -or $null -eq $cert) { return @{ 'ok' = $false; 'message' = 'not a PEM certificate' } }
  $chain = New-Object Security.Cryptography.X509Certificates.X509Chain
  $chain.ChainPolicy.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
  $chain.ChainPolicy.VerificationFlags = [Security.Cryptography.X509Certificates.X509VerificationFlags]::AllowUnknownCertificateAuthority
  [void]$chain.ChainPolicy.ExtraStore.Add($ca)
  [void]$chain.Build($cert)
  $elements = @($chain.ChainElements)
  $top = $elements[$elements.Count - 1].Certificate
  $problems = @($chain.ChainStatus | Where-Object { $_.Status -ne 'UntrustedRoot' -and $_.Status -ne 'NoError' } | ForEach-Object { $_.StatusInformation.Trim() })
  if ($elements.Count -lt 2 -or $top.Thumbprint -ne $ca.Thumbprint) {
    return @{ 'ok' = $false; 'message' = "$CertPath was not issued by the CA in $CaPath" }
  }
  if ($problems.Count -gt 0) { return @{ 'ok' = $false; 'message' = ($problems -join '; ') } }
  @{ 'ok' = $true; 'message' = "${CertPath}: OK" }
}
