# regen::backup on Windows: a verified copy of a directory (the agent's ssl dir) with a
# manifest of every entry's SHA-256, owner and ACL (see files\fs.ps1), so restore can put it
# back exactly. The copy goes to a new timestamped directory and is checked before success.
param(
  [string]$path,
  [string]$destination,
  [string[]]$allowed_roots,
  [switch]$_noop,
  [string]$_installdir
)
$ErrorActionPreference = 'Stop'
if ($_installdir) { $lib = Join-Path $_installdir 'regen\files' }
else { $lib = Join-Path (Split-Path -Parent $MyInvocation.MyCommand.Path) '..\files' }
. (Join-Path $lib 'common.ps1')
. (Join-Path $lib 'fs.ps1')
trap { Exit-RegenError 'regen/unexpected' ('backup: ' + [string]$_) @{ 'line' = $_.InvocationInfo.ScriptLineNumber } }

Assert-RegenElevated 'backup'
if (-not $path) { $path = (Get-RegenDefaults)['ssldir'] }
$source = Assert-RegenPath $path $allowed_roots 'path'
if (-not $destination) { $destination = (Get-RegenDefaults)['backup_root'] }
$destRoot = Assert-RegenPath $destination $allowed_roots 'destination'
if ($destRoot.StartsWith($source + '\', [StringComparison]::OrdinalIgnoreCase) -or $destRoot -eq $source) {
  Exit-RegenError 'regen/bad-param' "destination $destRoot lies inside the directory being backed up ($source)" @{ 'path' = $source; 'destination' = $destRoot }
}

if (-not [IO.Directory]::Exists($source)) {
  if ([IO.File]::Exists($source)) {
    Exit-RegenError 'regen/not-a-directory' "$source is a file; backup copies a directory" @{ 'path' = $source }
  }
  Write-RegenResult @{ 'path' = $source; 'present' = $false; 'backup' = $null; 'files' = 0; 'bytes' = 0; 'verified' = $false }
}

$entries = Get-RegenTree $source
$links = @($entries | Where-Object { $_['type'] -eq 'L' } | ForEach-Object { $_['rel'] })
if ($links.Count -gt 0) {
  Exit-RegenError 'regen/unsafe-path' "$source holds links ($($links -join ', ')); back it up by hand" @{ 'path' = $source; 'links' = $links }
}
$files = @($entries | Where-Object { $_['type'] -eq 'F' })
$bytes = [long]0
foreach ($e in $files) { $bytes += (New-Object IO.FileInfo $e['full']).Length }

$leaf = [IO.Path]::GetFileName($source)
$stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ', [Globalization.CultureInfo]::InvariantCulture)
$target = Join-Path $destRoot "$stamp-$leaf"
$n = 1
while ([IO.Directory]::Exists($target) -or [IO.File]::Exists($target)) { $n++; $target = Join-Path $destRoot "$stamp-$leaf-$n" }

if ($_noop) {
  Write-RegenResult @{ 'path' = $source; 'present' = $true; 'noop' = $true; 'backup' = $target; 'files' = $files.Count; 'bytes' = $bytes }
}

$copyRoot = Join-Path $target 'files'
[void][IO.Directory]::CreateDirectory($copyRoot)
foreach ($e in $entries) {
  $isDir = $e['type'] -eq 'D'
  $acl = Get-RegenAcl $e['full'] $isDir
  $e['owner'] = $acl['owner']
  $e['sddl'] = $acl['sddl']
  $e['sha256'] = '-'
  $e['size'] = 0
  if ($e['rel'] -eq '.') { continue }
  $copy = Join-Path $copyRoot $e['rel']
  if ($isDir) { [void][IO.Directory]::CreateDirectory($copy); continue }
  $e['sha256'] = Get-RegenSha256 $e['full']
  $e['size'] = (New-Object IO.FileInfo $e['full']).Length
  [IO.File]::Copy($e['full'], $copy, $false)
}
$manifestPath = Join-Path $target $RegenManifestName
Write-RegenManifest $manifestPath $source $entries

# Verify from what is on disk now: the manifest read back, every copy hashed again.
$problems = Test-RegenBackup $target (Read-RegenManifest $manifestPath)
if ($problems.Count -gt 0) {
  Exit-RegenError 'regen/backup-verify' "the backup in $target does not match $source ($($problems.Count) problems); nothing was changed on the source" @{ 'backup' = $target; 'problems' = $problems }
}
Write-RegenResult @{
  'path' = $source
  'present' = $true
  'backup' = $target
  'manifest' = $manifestPath
  'files' = $files.Count
  'dirs' = @($entries | Where-Object { $_['type'] -eq 'D' }).Count
  'bytes' = $bytes
  'verified' = $true
}
