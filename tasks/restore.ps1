# regen::restore on Windows: puts a backup made by regen::backup back in place. The backup
# is verified against its manifest before anything is touched; the target's contents are
# then replaced, owners and ACLs re-applied, and the result verified again.
param(
  [string]$backup,
  [string]$path,
  [string[]]$allowed_roots,
  [switch]$_noop,
  [string]$_installdir
)
$ErrorActionPreference = 'Stop'
if ($_installdir) { $lib = Join-Path $_installdir 'regen\files' }
else { $lib = Join-Path (Split-Path -Parent $MyInvocation.MyCommand.Path) '..\files' }
. (Join-Path $lib 'common.ps1')
. (Join-Path $lib 'fs.ps1')
trap { Exit-RegenError 'regen/unexpected' ('restore: ' + [string]$_) @{ 'line' = $_.InvocationInfo.ScriptLineNumber } }

Assert-RegenElevated 'restore'
$backupDir = Assert-RegenPath $backup $allowed_roots 'backup'
$manifestPath = Join-Path $backupDir $RegenManifestName
if (-not [IO.File]::Exists($manifestPath)) {
  Exit-RegenError 'regen/backup-missing' "$backupDir holds no $RegenManifestName; is it a directory made by regen::backup?" @{ 'backup' = $backupDir }
}
$manifest = Read-RegenManifest $manifestPath
if (-not $path) { $path = $manifest['source'] }
$target = Assert-RegenPath $path $allowed_roots 'path'
if ($backupDir.StartsWith($target + '\', [StringComparison]::OrdinalIgnoreCase)) {
  Exit-RegenError 'regen/bad-param' "the backup $backupDir lies inside the restore target $target" @{ 'backup' = $backupDir; 'path' = $target }
}

$problems = Test-RegenBackup $backupDir $manifest
if ($problems.Count -gt 0) {
  Exit-RegenError 'regen/backup-corrupt' "the backup in $backupDir does not match its manifest ($($problems.Count) problems); nothing was changed" @{ 'backup' = $backupDir; 'problems' = $problems }
}
$entries = @($manifest['entries'])
$files = @($entries | Where-Object { $_['type'] -eq 'F' })
$bytes = [long]0
foreach ($e in $files) { $bytes += $e['size'] }
$existing = 0
if ([IO.Directory]::Exists($target)) { $existing = @(Get-RegenTree $target).Count - 1 }
elseif ([IO.File]::Exists($target)) {
  Exit-RegenError 'regen/not-a-directory' "restore target $target is a file" @{ 'path' = $target }
}

$result = @{ 'path' = $target; 'backup' = $backupDir; 'files' = $files.Count; 'bytes' = $bytes; 'replaced' = $existing }
if ($_noop) {
  $result['noop'] = $true
  Write-RegenResult $result
}

if ([IO.Directory]::Exists($target)) { [void](Remove-RegenTreeContents $target) }
else { [void][IO.Directory]::CreateDirectory($target) }
$copyRoot = Join-Path $backupDir 'files'
foreach ($e in ($entries | Sort-Object { $_['rel'] })) {
  if ($e['rel'] -eq '.') { continue }
  $dest = Join-Path $target $e['rel']
  if ($e['type'] -eq 'D') { [void][IO.Directory]::CreateDirectory($dest) }
  else { [IO.File]::Copy((Join-Path $copyRoot $e['rel']), $dest, $true) }
}
# ACLs last, deepest first, so a restrictive directory ACL cannot block the copies into it.
$warnings = New-Object System.Collections.ArrayList
foreach ($e in ($entries | Sort-Object { $_['rel'].Length } -Descending)) {
  if ($e['rel'] -eq '.') { $dest = $target } else { $dest = Join-Path $target $e['rel'] }
  $w = Set-RegenAcl $dest ($e['type'] -eq 'D') $e['sddl']
  if ($w) { [void]$warnings.Add($w) }
}

$bad = New-Object System.Collections.ArrayList
foreach ($e in $files) {
  $dest = Join-Path $target $e['rel']
  if (-not [IO.File]::Exists($dest) -or (Get-RegenSha256 $dest) -ne $e['sha256']) { [void]$bad.Add($e['rel']) }
}
if ($bad.Count -gt 0) {
  Exit-RegenError 'regen/restore-verify' "after restoring $target, $($bad.Count) files differ from the backup; the backup in $backupDir is intact, run restore again" @{ 'path' = $target; 'backup' = $backupDir; 'files' = $bad.ToArray() }
}
$result['verified'] = $true
$result['acl_warnings'] = $warnings.ToArray()
Write-RegenResult $result
