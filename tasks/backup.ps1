# regen::backup on Windows: a verified copy of directories and files (the agent's ssl dir) in
# a new timestamped directory under backup_dir, with a manifest of every entry's owner, ACL
# (SDDL), size and SHA-256 beside it (format in files\fs.ps1). The copy is hashed again and
# compared with the manifest before success is reported.
param(
  [string[]]$paths,
  [string]$backup_dir,
  [string]$label = 'backup',
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
. (Join-Path $_installdir 'regen\files\fs.ps1')
trap { Exit-RegenUnexpected 'backup' $_ }

Assert-RegenElevated 'backup'
if (-not $paths -or $paths.Count -eq 0) { Exit-RegenError 'regen/bad-param' 'paths is empty: give the directories or files to back up' @{} }
if ($label -cnotmatch '^[a-z0-9][a-z0-9._-]*$') {
  Exit-RegenError 'regen/bad-param' "label '$label' is not a valid label (expected ^[a-z0-9][a-z0-9._-]*$)" @{ 'param' = 'label'; 'value' = $label }
}
Assert-RegenGiven 'backup_dir' $backup_dir
$bdir = Get-RegenNormalPath $backup_dir 'backup_dir'

$tops = New-Object System.Collections.ArrayList
foreach ($p in $paths) {
  $full = Get-RegenNormalPath $p 'paths'
  if (-not ([IO.File]::Exists($full) -or [IO.Directory]::Exists($full))) {
    Exit-RegenError 'regen/not-found' "$p does not exist on this host; nothing to back up there" @{ 'path' = $p }
  }
  foreach ($q in $tops) {
    if ($full.StartsWith($q + '\', [StringComparison]::OrdinalIgnoreCase) -or $q.StartsWith($full + '\', [StringComparison]::OrdinalIgnoreCase) -or $q -eq $full) {
      Exit-RegenError 'regen/bad-param' "$full and $q overlap; list each tree once in paths" @{ 'paths' = @($paths) }
    }
  }
  if ($bdir.StartsWith($full + '\', [StringComparison]::OrdinalIgnoreCase) -or $bdir -eq $full) {
    Exit-RegenError 'regen/bad-param' "backup_dir $bdir is inside $full, which is being backed up; choose another backup_dir" @{ 'backup_dir' = $bdir }
  }
  [void]$tops.Add($full)
}

$entries = New-Object System.Collections.ArrayList
foreach ($t in $tops) { foreach ($e in (Get-RegenTree $t)) { [void]$entries.Add($e) } }
$links = @($entries | Where-Object { $_['type'] -eq 'l' } | ForEach-Object { $_['path'] })
if ($links.Count -gt 0) {
  Exit-RegenError 'regen/bad-param' "the backed-up paths hold links ($($links -join ', ')), which regen does not follow; remove or back them up by hand" @{ 'links' = $links }
}
$dataBytes = [long]0
foreach ($e in $entries) { if ($e['type'] -eq 'f') { $dataBytes += (New-Object IO.FileInfo $e['path']).Length } }
$needBytes = $dataBytes + 4096 * $entries.Count + 1048576
$freeBytes = [long](New-Object IO.DriveInfo ($bdir.Substring(0, 1))).AvailableFreeSpace

$hostName = ([Environment]::MachineName.ToLowerInvariant() -replace '[^a-z0-9.-]', '_')
$stem = "regen-$label-$hostName-" + (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ', [Globalization.CultureInfo]::InvariantCulture)
$base = $stem
$n = 1
while ([IO.Directory]::Exists((Join-Path $bdir $base)) -or [IO.File]::Exists((Join-Path $bdir "$base.manifest.tsv"))) { $n++; $base = "$stem-$n" }
$archive = Join-Path $bdir $base
$manifest = "$archive.manifest.tsv"
$result = @{
  'archive' = $archive; 'manifest' = $manifest; 'paths' = $tops.ToArray(); 'files' = $entries.Count
  'data_bytes' = $dataBytes; 'need_bytes' = $needBytes; 'free_bytes' = $freeBytes; 'format' = 'directory'
}
if ($freeBytes -lt $needBytes) {
  Exit-RegenError 'regen/disk-full' "not enough free space for the backup in ${bdir}: $freeBytes bytes free, $needBytes needed; free some space or choose another backup_dir" @{ 'backup_dir' = $bdir; 'free_bytes' = $freeBytes; 'need_bytes' = $needBytes }
}
if ($_noop) { $result['noop'] = $true; Write-RegenResult $result }

$lines = New-Object System.Collections.ArrayList
[void]$lines.Add($RegenManifestFormat)
[void]$lines.Add("# created`t" + (Format-RegenTime (Get-Date)))
[void]$lines.Add("# host`t" + [Environment]::MachineName)
[void]$lines.Add("# archive`t$base")
foreach ($t in $tops) { [void]$lines.Add("# path`t$t") }
[void]$lines.Add($RegenManifestColumns)
[void][IO.Directory]::CreateDirectory($archive)
# Private keys are copied: only SYSTEM and Administrators may read the copy (ProgramData lets Users read).
[void](Set-RegenAcl $archive $true 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)')
foreach ($e in $entries) {
  [void](Get-RegenEntryFacts $e)
  $copy = Get-RegenArchiveCopy $archive $e['path']
  if ($e['type'] -eq 'd') { [void][IO.Directory]::CreateDirectory($copy) }
  else {
    [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($copy))
    [IO.File]::Copy($e['path'], $copy, $false)
  }
  [void]$lines.Add((Format-RegenManifestLine $e))
}
[IO.File]::WriteAllText($manifest, (($lines -join "`r`n") + "`r`n"), (New-Object Text.UTF8Encoding $false))

# Verify from what is on disk now: the manifest read back, every copy hashed again.
$problems = Test-RegenArchive $archive (Read-RegenManifest $manifest)
if ($problems.Count -gt 0) {
  Remove-RegenTreeContents $archive | Out-Null
  [IO.Directory]::Delete($archive, $false)
  [IO.File]::Delete($manifest)
  Exit-RegenError 'regen/verify-failed' 'the copy does not match the files it was made from; it was removed. Were files changing during the backup?' @{ 'differences' = $problems }
}
$result['verified'] = $true
$result['owners_verified'] = $true
Write-RegenResult $result
