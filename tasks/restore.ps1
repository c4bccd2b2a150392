# regen::restore on Windows: puts back a backup made by regen::backup. Afterwards every
# backed-up path holds exactly what the manifest lists (contents, owners, ACLs), and entries
# created since inside those paths are gone. The archive is checked against its manifest
# before anything is touched, and the paths are checked again after.
param(
  [string]$archive,
  [string]$manifest,
  [string[]]$allowed_roots,
  [switch]$_noop,
  [string]$_installdir
)
. (Join-Path $_installdir 'regen\files\task.ps1')
. (Join-Path $_installdir 'regen\files\fs.ps1')
trap { Exit-RegenUnexpected 'restore' $_ }

Assert-RegenElevated 'restore'
$archive = Get-RegenNormalPath $archive 'archive'
if (-not $manifest) { $manifest = "$archive.manifest.tsv" }
$manifest = Get-RegenNormalPath $manifest 'manifest'
if (-not [IO.Directory]::Exists($archive)) { Exit-RegenError 'regen/not-found' "archive $archive does not exist" @{ 'archive' = $archive } }
if (-not [IO.File]::Exists($manifest)) { Exit-RegenError 'regen/not-found' "manifest $manifest does not exist; pass the manifest parameter" @{ 'manifest' = $manifest } }

$m = Read-RegenManifest $manifest
$tops = @($m['paths'])
if ($tops.Count -eq 0) { Exit-RegenError 'regen/bad-param' "the manifest $manifest names no backed-up path" @{ 'manifest' = $manifest } }
foreach ($t in $tops) { [void](Assert-RegenPath $t $allowed_roots 'path in manifest') }

# 1. The archive must hold the manifest's files with the recorded contents.
$problems = Test-RegenArchive $archive $m
if ($problems.Count -gt 0) {
  Exit-RegenError 'regen/verify-failed' "the archive $archive does not match its manifest; nothing was changed" @{ 'differences' = $problems }
}

# 2. What differs now: entries to remove (new since, or of another type) and entries to write back.
$want = @{}
foreach ($e in $m['entries']) { $want[$e['path'].ToLowerInvariant()] = $e }
$remove = New-Object System.Collections.ArrayList
$write = New-Object System.Collections.ArrayList
$have = @{}
foreach ($t in $tops) {
  if (-not ([IO.File]::Exists($t) -or [IO.Directory]::Exists($t))) { continue }
  foreach ($cur in (Get-RegenTree $t)) {
    $key = $cur['path'].ToLowerInvariant()
    $w = $want[$key]
    if ($null -eq $w -or $w['type'] -ne $cur['type']) {
      # Not wanted: remove it, unless a parent already goes.
      $covered = $false
      foreach ($r in $remove) { if ($key.StartsWith($r.ToLowerInvariant() + '\')) { $covered = $true } }
      if (-not $covered) { [void]$remove.Add($cur['path']) }
      continue
    }
    $have[$key] = Format-RegenManifestLine (Get-RegenEntryFacts $cur)
  }
}
foreach ($e in $m['entries']) {
  if ($have[$e['path'].ToLowerInvariant()] -cne (Format-RegenManifestLine $e)) { [void]$write.Add($e['path']) }
}

$result = @{ 'archive' = $archive; 'manifest' = $manifest; 'paths' = $tops; 'files' = $m['entries'].Count; 'removed' = $remove.ToArray(); 'restored' = $write.ToArray() }
if ($_noop) { $result['noop'] = $true; Write-RegenResult $result }

# 3. Remove, copy back, re-apply ACLs (deepest first, so a strict directory ACL cannot block
#    the copies into it), verify.
foreach ($p in $remove) {
  if ([IO.Directory]::Exists($p) -and -not (Test-RegenReparsePoint $p)) { [void](Remove-RegenTreeContents $p) }
  [IO.File]::SetAttributes($p, [IO.FileAttributes]::Normal)
  if ([IO.Directory]::Exists($p)) { [IO.Directory]::Delete($p, $false) } else { [IO.File]::Delete($p) }
}
$rewrite = @{}
foreach ($p in $write) { $rewrite[$p.ToLowerInvariant()] = $true }
foreach ($e in $m['entries']) {
  if (-not $rewrite.ContainsKey($e['path'].ToLowerInvariant())) { continue }
  if ($e['type'] -eq 'd') { [void][IO.Directory]::CreateDirectory($e['path']); continue }
  if ([IO.File]::Exists($e['path'])) { [IO.File]::SetAttributes($e['path'], [IO.FileAttributes]::Normal) }
  [IO.File]::Copy((Get-RegenArchiveCopy $archive $e['path']), $e['path'], $true)
}
$warnings = New-Object System.Collections.ArrayList
foreach ($e in (@($m['entries']) | Sort-Object { $_['path'].Length } -Descending)) {
  if (-not $rewrite.ContainsKey($e['path'].ToLowerInvariant())) { continue }
  $w = Set-RegenAcl $e['path'] ($e['type'] -eq 'd') $e['sddl']
  if ($w) { [void]$warnings.Add($w) }
}

$differences = New-Object System.Collections.ArrayList
$after = @{}
foreach ($t in $tops) {
  if (-not ([IO.File]::Exists($t) -or [IO.Directory]::Exists($t))) { continue }
  foreach ($cur in (Get-RegenTree $t)) { $after[$cur['path'].ToLowerInvariant()] = $cur }
}
foreach ($e in $m['entries']) {
  $cur = $after[$e['path'].ToLowerInvariant()]
  if ($null -eq $cur) { [void]$differences.Add("- $($e['path'])"); continue }
  $line = Format-RegenManifestLine (Get-RegenEntryFacts $cur)
  $ok = $line -ceq (Format-RegenManifestLine $e)
  # When Windows refused an owner, only the owner may differ (reported in acl_warnings).
  if (-not $ok -and $warnings.Count -gt 0) { $ok = ($cur['type'] -eq $e['type'] -and $cur['sha256'] -eq $e['sha256']) }
  if (-not $ok) { [void]$differences.Add("- $($e['path'])") }
  $after.Remove($e['path'].ToLowerInvariant())
}
foreach ($k in $after.Keys) { [void]$differences.Add("+ $($after[$k]['path'])") }
if ($differences.Count -gt 0) {
  Exit-RegenError 'regen/verify-failed' 'after the restore the files still differ from the manifest; the archive is intact, run restore again' @{ 'differences' = @($differences | Select-Object -First 20) }
}
$result['verified'] = $true
$result['acl_warnings'] = $warnings.ToArray()
Write-RegenResult $result
