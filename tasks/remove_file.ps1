# regen::remove_file on Windows: deletes one file (the agent's cached catalog). Refuses
# directories and links; a file already gone is success with changed=false. The path must
# lie strictly inside the allowed roots; _noop only reports.
param(
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
trap { Exit-RegenError 'regen/unexpected' ('remove_file: ' + [string]$_) @{ 'line' = $_.InvocationInfo.ScriptLineNumber } }

Assert-RegenElevated 'remove_file'
$file = Assert-RegenPath $path $allowed_roots 'path'
if ([IO.Directory]::Exists($file)) {
  Exit-RegenError 'regen/not-a-file' "$file is a directory; remove_file only deletes files" @{ 'path' = $file }
}
if (-not [IO.File]::Exists($file)) {
  Write-RegenResult @{ 'path' = $file; 'existed' = $false; 'removed' = $false; 'changed' = $false }
}
$sha256 = Get-RegenSha256 $file
if ($_noop) {
  Write-RegenResult @{ 'path' = $file; 'existed' = $true; 'noop' = $true; 'would_remove' = $true; 'sha256' = $sha256; 'changed' = $false }
}
[IO.File]::SetAttributes($file, [IO.FileAttributes]::Normal)
[IO.File]::Delete($file)
if ([IO.File]::Exists($file)) {
  Exit-RegenError 'regen/remove-failed' "$file is still there after deleting it" @{ 'path' = $file }
}
Write-RegenResult @{ 'path' = $file; 'existed' = $true; 'removed' = $true; 'sha256' = $sha256; 'changed' = $true }
