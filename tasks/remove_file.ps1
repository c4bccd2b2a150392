# regen::remove_file on Windows: deletes one file (the cached catalog), or with recursive=true a
# whole directory. A link (junction, symbolic link) is removed itself, never what it points to.
# A path that is already gone is success with removed=false.
param(
  [string]$path,
  [bool]$recursive = $false,
  [string[]]$allowed_roots,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
. (Join-Path $_installdir 'regen\files\fs.ps1')
trap { Exit-RegenUnexpected 'remove_file' $_ }

Assert-RegenElevated 'remove_file'
$target = Assert-RegenPath $path $allowed_roots 'path' -Leaf
$present = $true
$listing = @()
if (Test-RegenReparsePoint $target) { $type = 'symlink'; $listing = @($target) }
elseif ([IO.Directory]::Exists($target)) {
  $type = 'directory'
  if (-not $recursive) {
    Exit-RegenError 'regen/is-a-directory' "$target is a directory; pass recursive=true to remove it and everything in it" @{ 'path' = $target }
  }
  $listing = @(Get-RegenTree $target | ForEach-Object { $_['path'] })
  [Array]::Reverse($listing)
}
elseif ([IO.File]::Exists($target)) { $type = 'file'; $listing = @($target) }
else { $type = 'absent'; $present = $false }

$result = @{ 'path' = $target; 'type' = $type; 'removed' = $present; 'paths' = $listing }
if ($_noop) { $result['noop'] = $true }
if ($_noop -or -not $present) { Write-RegenResult $result }

if ($type -eq 'directory') { [void](Remove-RegenTreeContents $target) }
[IO.File]::SetAttributes($target, [IO.FileAttributes]::Normal)
if ([IO.Directory]::Exists($target)) { [IO.Directory]::Delete($target, $false) } else { [IO.File]::Delete($target) }
if ([IO.File]::Exists($target) -or [IO.Directory]::Exists($target)) {
  Exit-RegenError 'regen/command-failed' "could not remove $target" @{ 'path' = $target }
}
Write-RegenResult $result
