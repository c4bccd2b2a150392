# regen::clear_dir on Windows: deletes everything inside one directory (the agent's ssl dir),
# keeping the directory itself with its ACL: the procedure's "delete the ssl directory",
# guarded. Links inside are removed as links, never followed. Reports every path removed
# (or, in no-op, to remove).
param(
  [string]$path,
  [string[]]$allowed_roots,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
. (Join-Path $_installdir 'regen\files\fs.ps1')
trap { Exit-RegenUnexpected 'clear_dir' $_ }

Assert-RegenElevated 'clear_dir'
$dir = Assert-RegenPath $path $allowed_roots 'path'
if (-not [IO.Directory]::Exists($dir)) {
  Exit-RegenError 'regen/not-a-directory' "$dir is not a directory (or does not exist); nothing was removed" @{ 'path' = $dir }
}

$listing = @(Get-RegenTree $dir | Where-Object { $_['path'] -ne $dir } | ForEach-Object { $_['path'] })
$result = @{ 'path' = $dir; 'removed' = $listing; 'count' = $listing.Count }
if ($_noop) { $result['noop'] = $true; Write-RegenResult $result }

[void](Remove-RegenTreeContents $dir)
$left = @(Get-RegenTree $dir | Where-Object { $_['path'] -ne $dir } | Select-Object -First 5 | ForEach-Object { $_['path'] })
if ($left.Count -gt 0) {
  Exit-RegenError 'regen/command-failed' "could not empty $dir; is a process holding files open?" @{ 'path' = $dir; 'left' = $left }
}
Write-RegenResult $result
