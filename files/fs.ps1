# File-tree helpers for regen's PowerShell tasks (dot-sourced after common.ps1): walking a
# tree without following links, deleting a directory's contents without following links,
# ACLs as SDDL, SHA-256, and the backup manifest shared by backup.ps1 and restore.ps1.
#
# Backup layout: DIR\files\<relative path> and DIR\regen-manifest.tsv, UTF-8 text:
#   # regen backup v1
#   # source<TAB>C:\ProgramData\PuppetLabs\puppet\etc\ssl
#   # created<TAB>2015-01-01T00:00:00Z
#   type<TAB>sha256<TAB>size<TAB>owner<TAB>sddl<TAB>path
#   D<TAB>-<TAB>0<TAB>BUILTIN\Administrators<TAB>O:BAG:SYD:PAI(A;;FA;;;SY)<TAB>.
#   F<TAB>9f86d0...<TAB>1704<TAB>BUILTIN\Administrators<TAB>O:BA...<TAB>certs\ca.pem
# (Windows file names cannot hold a tab or a newline, so the format needs no escaping.)

$RegenManifestName = 'regen-manifest.tsv'

function Get-RegenSha256([string]$Path) {
  try { $sha = New-Object Security.Cryptography.SHA256CryptoServiceProvider } catch { $sha = [Security.Cryptography.SHA256]::Create() }
  $stream = [IO.File]::OpenRead($Path)
  try { $bytes = $sha.ComputeHash($stream) } finally { $stream.Close() }
  ([BitConverter]::ToString($bytes) -replace '-', '').ToLowerInvariant()
}

# Every entry under $Root (the root itself first, as '.'), sorted by path. A link (junction,
# symbolic link) is listed as type 'L' and never entered.
function Get-RegenTree([string]$Root) {
  $list = New-Object System.Collections.ArrayList
  [void]$list.Add(@{ 'type' = 'D'; 'rel' = '.'; 'full' = $Root })
  $pending = New-Object System.Collections.Stack
  $pending.Push('')
  while ($pending.Count -gt 0) {
    $rel = $pending.Pop()
    if ($rel) { $dir = Join-Path $Root $rel } else { $dir = $Root }
    $children = @([IO.Directory]::GetDirectories($dir)) + @([IO.Directory]::GetFiles($dir))
    foreach ($full in $children) {
      $name = [IO.Path]::GetFileName($full)
      if ($rel) { $childRel = $rel + '\' + $name } else { $childRel = $name }
      if (Test-RegenReparsePoint $full) { $type = 'L' }
      elseif ([IO.Directory]::Exists($full)) { $type = 'D'; $pending.Push($childRel) }
      else { $type = 'F' }
      [void]$list.Add(@{ 'type' = $type; 'rel' = $childRel; 'full' = $full })
    }
  }
  , @($list.ToArray() | Sort-Object { $_['rel'] })
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

function Write-RegenManifest([string]$Path, [string]$Source, $Entries) {
  $lines = New-Object System.Collections.ArrayList
  [void]$lines.Add('# regen backup v1')
  [void]$lines.Add("# source`t$Source")
  [void]$lines.Add("# created`t" + (Format-RegenTime (Get-Date)))
  [void]$lines.Add("type`tsha256`tsize`towner`tsddl`tpath")
  foreach ($e in $Entries) {
    [void]$lines.Add(($e['type'], $e['sha256'], $e['size'], $e['owner'], $e['sddl'], $e['rel']) -join "`t")
  }
  $text = ($lines -join "`r`n") + "`r`n"
  [IO.File]::WriteAllText($Path, $text, (New-Object Text.UTF8Encoding $false))
}

function Read-RegenManifest([string]$Path) {
  $manifest = @{ 'source' = $null; 'created' = $null; 'entries' = (New-Object System.Collections.ArrayList) }
  $lines = [IO.File]::ReadAllLines($Path, [Text.Encoding]::UTF8)
  if ($lines.Count -lt 4 -or $lines[0] -ne '# regen backup v1') {
    Exit-RegenError 'regen/backup-corrupt' "$Path is not a regen backup manifest" @{ 'manifest' = $Path }
  }
  foreach ($line in $lines) {
    if ($line -match "^# (source|created)`t(.*)$") { $manifest[$Matches[1]] = $Matches[2]; continue }
    if ($line -eq '' -or $line.StartsWith('#') -or $line.StartsWith("type`t")) { continue }
    $f = $line.Split("`t")
    if (($f.Count -ne 6) -or (@('D', 'F') -notcontains $f[0]) -or ($f[5] -match '(^|\\)\.\.(\\|$)|^[A-Za-z]:|^\\')) {
      Exit-RegenError 'regen/backup-corrupt' "$Path has a malformed line: $line" @{ 'manifest' = $Path }
    }
    [void]$manifest['entries'].Add(@{ 'type' = $f[0]; 'sha256' = $f[1]; 'size' = [long]$f[2]; 'owner' = $f[3]; 'sddl' = $f[4]; 'rel' = $f[5] })
  }
  $manifest
}

# Checks every file of a backup against its manifest; returns the problems (empty when intact).
function Test-RegenBackup([string]$BackupDir, $Manifest) {
  $problems = New-Object System.Collections.ArrayList
  foreach ($e in $Manifest['entries']) {
    if ($e['type'] -ne 'F') { continue }
    $copy = Join-Path (Join-Path $BackupDir 'files') $e['rel']
    if (-not [IO.File]::Exists($copy)) { [void]$problems.Add("missing: $($e['rel'])"); continue }
    if ((Get-RegenSha256 $copy) -ne $e['sha256']) { [void]$problems.Add("checksum differs: $($e['rel'])") }
  }
  , $problems.ToArray()
}
