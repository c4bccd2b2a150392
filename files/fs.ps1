# File-tree helpers for regen's PowerShell tasks (dot-sourced after task.ps1): walking a
# tree without following links, deleting a directory's contents without following links,
# ACLs as SDDL, SHA-256, and the backup manifest shared by backup.ps1 and restore.ps1.
#
# A Windows backup is a directory ARCHIVE holding a copy of every backed-up path under its
# drive letter (C:\x\y is copied to ARCHIVE\C\x\y), and ARCHIVE.manifest.tsv beside it,
# UTF-8 text: comment lines, then one line per entry, sorted ordinally by path:
#   # regen backup manifest v1 windows
#   # created<TAB>2015-01-01T00:00:00Z        # host<TAB>NAME    # archive<TAB>NAME
#   # path<TAB>C:\ProgramData\PuppetLabs\puppet\etc\ssl      (one line per backed-up path)
#   # columns<TAB>path<TAB>type<TAB>owner<TAB>size<TAB>sha256<TAB>sddl
#   C:\ProgramData\PuppetLabs\puppet\etc\ssl<TAB>d<TAB>BUILTIN\Administrators<TAB>-<TAB>-<TAB>O:BAG:SYD:PAI(A;;FA;;;SY)
# type is d (directory) or f (file); size and sha256 are for files only ('-' otherwise).
# Windows file names cannot hold a tab or a newline, so the format needs no escaping.

$RegenManifestFormat = '# regen backup manifest v1 windows'
$RegenManifestColumns = "# columns`tpath`ttype`towner`tsize`tsha256`tsddl"

function Get-RegenSha256([string]$Path) {
  try { $sha = New-Object Security.Cryptography.SHA256CryptoServiceProvider } catch { $sha = [Security.Cryptography.SHA256]::Create() }
  $stream = [IO.File]::OpenRead($Path)
  try { $bytes = $sha.ComputeHash($stream) } finally { $stream.Close() }
  ([BitConverter]::ToString($bytes) -replace '-', '').ToLowerInvariant()
}

# Every entry at or under $Top, sorted ordinally by path, one per pipeline item (wrap the call
# in @() for an array): @{path; type = 'd'|'f'|'l'}. A link (junction, symbolic link) is
# listed as type 'l' and never entered.
function Get-RegenTree([string]$Top) {
  $list = New-Object System.Collections.ArrayList
  $pending = New-Object System.Collections.Stack
  $pending.Push($Top)
  while ($pending.Count -gt 0) {
    $full = $pending.Pop()
    if (Test-RegenReparsePoint $full) { $type = 'l' }
    elseif ([IO.Directory]::Exists($full)) {
      $type = 'd'
      foreach ($child in (@([IO.Directory]::GetDirectories($full)) + @([IO.Directory]::GetFiles($full)))) { $pending.Push($child) }
    }
    else { $type = 'f' }
    [void]$list.Add(@{ 'path' = $full; 'type' = $type })
  }
  $keys = New-Object 'string[]' $list.Count
  for ($i = 0; $i -lt $list.Count; $i++) { $keys[$i] = $list[$i]['path'] }
  $items = $list.ToArray()
  [Array]::Sort($keys, $items, [StringComparer]::Ordinal)
  $items
}

# The manifest line fields of one entry: owner and SDDL always, size and SHA-256 for files.
function Get-RegenEntryFacts($Entry) {
  $isDir = $Entry['type'] -eq 'd'
  $acl = Get-RegenAcl $Entry['path'] $isDir
  $Entry['owner'] = $acl['owner']
  $Entry['sddl'] = $acl['sddl']
  if ($isDir) { $Entry['size'] = '-'; $Entry['sha256'] = '-' }
  else {
    $Entry['size'] = [string](New-Object IO.FileInfo $Entry['path']).Length
    $Entry['sha256'] = Get-RegenSha256 $Entry['path']
  }
  $Entry
}

function Format-RegenManifestLine($Entry) {
  ($Entry['path'], $Entry['type'], $Entry['owner'], $Entry['size'], $Entry['sha256'], $Entry['sddl']) -join "`t"
}

# Where the archive keeps its copy of a path: C:\x\y -> ARCHIVE\C\x\y.
function Get-RegenArchiveCopy([string]$Archive, [string]$Path) {
  Join-Path $Archive ($Path.Substring(0, 1) + $Path.Substring(2))
}

function Read-RegenManifest([string]$Path) {
  $manifest = @{ 'paths' = (New-Object System.Collections.ArrayList); 'entries' = (New-Object System.Collections.ArrayList) }
  $lines = [IO.File]::ReadAllLines($Path, [Text.Encoding]::UTF8)
  if ($lines.Count -lt 2 -or $lines[0] -ne $RegenManifestFormat) {
    Exit-RegenError 'regen/bad-param' "$Path is not a Windows regen backup manifest (its first line is not '$RegenManifestFormat')" @{ 'manifest' = $Path }
  }
  foreach ($line in $lines) {
    if ($line -match "^# path`t(.+)$") { [void]$manifest['paths'].Add((Get-RegenNormalPath $Matches[1] 'path in manifest')); continue }
    if ($line -match "^# (created|host|archive)`t(.*)$") { $manifest[$Matches[1]] = $Matches[2]; continue }
    if ($line -eq '' -or $line.StartsWith('#')) { continue }
    $f = $line.Split("`t")
    if (($f.Count -ne 6) -or (@('d', 'f') -notcontains $f[1])) {
      Exit-RegenError 'regen/verify-failed' "$Path has a malformed line: $line" @{ 'manifest' = $Path }
    }
    $full = Get-RegenNormalPath $f[0] 'path in manifest'
    $inside = $false
    foreach ($top in $manifest['paths']) {
      if ($full -eq $top -or $full.StartsWith($top + '\', [StringComparison]::OrdinalIgnoreCase)) { $inside = $true }
    }
    if (-not $inside) {
      Exit-RegenError 'regen/verify-failed' "the manifest $Path lists $full, which is outside its backed-up paths" @{ 'manifest' = $Path; 'path' = $full }
    }
    [void]$manifest['entries'].Add(@{ 'path' = $full; 'type' = $f[1]; 'owner' = $f[2]; 'size' = $f[3]; 'sha256' = $f[4]; 'sddl' = $f[5] })
  }
  $manifest
}

# Compares the archive's copies with the manifest; returns the differences (empty when intact).
function Test-RegenArchive([string]$Archive, $Manifest) {
  $problems = New-Object System.Collections.ArrayList
  foreach ($e in $Manifest['entries']) {
    $copy = Get-RegenArchiveCopy $Archive $e['path']
    if ($e['type'] -eq 'd') {
      if (-not [IO.Directory]::Exists($copy)) { [void]$problems.Add("missing directory: $($e['path'])") }
      continue
    }
    if (-not [IO.File]::Exists($copy)) { [void]$problems.Add("missing: $($e['path'])"); continue }
    if ((Get-RegenSha256 $copy) -ne $e['sha256']) { [void]$problems.Add("checksum differs: $($e['path'])") }
  }
  , $problems.ToArray()
}

# Deletes everything inside $Dir (not $Dir itself). A link is removed as a link: what it
# points to is never touched. Returns how many entries were removed.
function Remove-RegenTreeContents([string]$Dir) {
  $count = 0
  $children = @([IO.Directory]::GetDirectories($Dir)) + @([IO.Directory]::GetFiles($Dir))
  foreach ($full in $children) {
    $isDir = [IO.Directory]::Exists($full)
    if (-not (Test-RegenReparsePoint $full) -and $isDir) { $count += Remove-RegenTreeContents $full }
    [IO.File]::SetAttributes($full, [IO.FileAttributes]::Normal)
    if ($isDir) { [IO.Directory]::Delete($full, $false) } else { [IO.File]::Delete($full) }
    $count++
  }
  $count
}

function Get-RegenAcl([string]$Path, [bool]$IsDir) {
  if ($IsDir) { $sec = [IO.Directory]::GetAccessControl($Path) } else { $sec = [IO.File]::GetAccessControl($Path) }
  try { $owner = $sec.GetOwner([Security.Principal.NTAccount]).Value }
  catch { $owner = $sec.GetOwner([Security.Principal.SecurityIdentifier]).Value }
  $sections = [Security.AccessControl.AccessControlSections]'Owner, Group, Access'
  @{ 'owner' = $owner; 'sddl' = $sec.GetSecurityDescriptorSddlForm($sections) }
}

# Applies a recorded SDDL. Taking an owner other than oneself can be refused by Windows; then
# only the access rules are applied and a warning is returned (else $null).
function Set-RegenAcl([string]$Path, [bool]$IsDir, [string]$Sddl) {
  foreach ($sections in 'All', 'Access') {
    if ($IsDir) { $sec = New-Object Security.AccessControl.DirectorySecurity } else { $sec = New-Object Security.AccessControl.FileSecurity }
    try {
      $sec.SetSecurityDescriptorSddlForm($Sddl, [Security.AccessControl.AccessControlSections]$sections)
      if ($IsDir) { [IO.Directory]::SetAccessControl($Path, $sec) } else { [IO.File]::SetAccessControl($Path, $sec) }
      if ($sections -eq 'All') { return $null }
      return "owner of $Path not restored (only its access rules): $reason"
    }
    catch { $reason = [string]$_ }
  }
  "ACL of $Path not restored: $reason"
}

