# regen::clear_dir on Windows: deletes everything inside one directory (the agent's ssl dir),
# keeping the directory itself and its ACL. Links inside are removed as links, never
# followed. The path must lie strictly inside the allowed roots; _noop only reports.
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
trap { Exit-RegenError 'regen/unexpected' ('clear_dir: ' + [string]$_) @{ 'line' = $_.InvocationInfo.ScriptLineNumber } }

Assert-RegenElevated 'clear_dir'
$dir = Assert-RegenPath $path $allowed_roots 'path'
if ([IO.File]::Exists($dir)) {
  Exit-RegenError 'regen/not-a-directory' "$dir is a file; clear_dir only empties directories" @{ 'path' = $dir }
}
if (-not [IO.Directory]::Exists($dir)) {
  Write-RegenResult @{ 'path' = $dir; 'existed' = $false; 'removed' = 0; 'changed' = $false }
}

$entries = @(Get-RegenTree $dir | Where-Object { $_['rel'] -ne '.' })
$top = @($entries | Where-Object { $_['rel'] -notmatch '\\' } | ForEach-Object { $_['rel'] })
if ($_noop) {
  Write-RegenResult @{ 'path' = $dir; 'existed' = $true; 'noop' = $true; 'would_remove' = $entries.Count; 'entries' = $top; 'changed' = $false }
}
$removed = Remove-RegenTreeContents $dir
$left = @(Get-RegenTree $dir).Count - 1
if ($left -ne 0) {
  Exit-RegenError 'regen/clear-incomplete' "$left entries are still in $dir after clearing it; is a process holding them open?" @{ 'path' = $dir; 'left' = $left }
}
Write-RegenResult @{ 'path' = $dir; 'existed' = $true; 'removed' = $removed; 'entries' = $top; 'changed' = ($removed -gt 0) }
