#!/bin/sh
# The master plan's pre-flight checks, before anything is destroyed: running as root, a supported Puppet
# version, a CA in ssldir (the procedure is for the monolithic CA master), every directory to back up
# present, room for the backup, a sane clock. Every check is reported; any failure fails the task, which
# stops the plan before Step 1. Read-only: the same in no-op mode.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki manifest verify; do . "$lib/$file.sh"; done

param puppet ''
param_list supported_versions ''
param_bool force false
param backup_dir ''
param_list backup_paths ''
param_bool require_root true
param ssldir ''
check_path puppet puppet "$puppet"
check_path ssldir ssldir "$ssldir"
check_path backup_dir backup_dir "$backup_dir"
[ -n "$backup_paths" ] || fail bad-param "backup_paths is empty: give the directories the backup will archive"
for p in $backup_paths; do check_path checked backup_paths "$p"; done
[ -n "$supported_versions" ] || fail bad-param "supported_versions is empty: give the Puppet versions to accept, such as [\"3.7\",\"3.8\"]"
for v in $supported_versions; do check_pattern supported_versions "$v" '^[0-9]+(\.[0-9]+)*$' "Puppet version such as 3.7"; done

WARNINGS=
warn() { WARNINGS="${WARNINGS:+$WARNINGS$NL}$1"; }
uid=$(id -u)
user=$(id -un 2>/dev/null) || user=$uid
unreadable=
[ "$uid" -eq 0 ] || unreadable=" (or $user may not read it: run as root)"

# Root: the procedure chowns files to PE's users and reads the CA's private key.
if [ "$uid" -eq 0 ]; then
  record_check root true "running as root"
elif [ "$require_root" = true ]; then
  record_check root false "running as $user (uid $uid), not root: the procedure must run as root; connect as root or set run-as: root for this target in the inventory"
else
  record_check root true "running as $user (uid $uid); root not required (require_root=false)"
  warn "not running as root: files only root may read can show as missing or unreadable"
fi

# Puppet version: the procedure, paths and `puppet cert` commands are Puppet 3.7's (PE 3.7).
version=
if [ ! -x "$puppet" ]; then
  record_check puppet_version false "there is no executable puppet at $puppet$unreadable: set the puppet parameter (pe.puppet) to the Puppet binary"
else
  puppet_cmd "$puppet" --version
  version=$(printf '%s\n' "$OUT" | tail -n 1)
  version=${version%% *}
  if [ "$RC" -ne 0 ] || ! printf '%s\n' "$version" | grep -Eq '^[0-9]+(\.[0-9]+)+$'; then
    record_check puppet_version false "'$puppet --version' failed (exit $RC): $(last_lines 2 "$OUT")"
    version=
  else
    supported=false
    for v in $supported_versions; do
      case $version in "$v" | "$v".*) supported=true ;; esac
    done
    accepted=$(comma_join "$supported_versions")
    if [ "$supported" = true ]; then
      record_check puppet_version true "Puppet $version (supported: $accepted)"
    elif [ "$force" = true ]; then
      record_check puppet_version true "Puppet $version is not a supported version ($accepted); accepted because force=true"
      warn "Puppet $version is not one of $accepted: the procedure, paths and commands are those of PE 3.7; continuing only because force=true"
    else
      record_check puppet_version false "Puppet $version is not a supported version ($accepted): this procedure is for PE 3.7 (Puppet 3.7/3.8); to run it anyway, set force=true"
    fi
  fi
fi

# A CA: only the CA master's procedure regenerates the CA.
ca=$ssldir/ca/ca_crt.pem
if [ ! -e "$ca" ]; then
  record_check ca false "there is no CA at $ca$unreadable: this procedure runs on the monolithic CA master; check the target and ssldir"
elif ! openssl x509 -noout -in "$ca" >/dev/null 2>&1; then
  record_check ca false "$ca is not a readable PEM certificate$unreadable: check the CA before destroying it (and keep a copy)"
else
  record_check ca true "CA $(cert_field "$ca" subject) (SHA256 $(cert_fingerprint "$ca")) at $ca"
fi

# Every backup path exists (a missing one means another layout than PE 3.7's monolithic master).
missing= real=
for p in $backup_paths; do
  if [ -e "$p" ] && resolve one "$p"; then real="${real:+$real$NL}$one"
  else missing="${missing:+$missing$NL}$p"; fi
done
if [ -z "$missing" ]; then
  record_check backup_paths true "all $(printf '%s\n' "$backup_paths" | wc -l) paths to back up exist"
else
  record_check backup_paths false "missing: $(comma_join "$missing")$unreadable: is this a monolithic PE 3.7 master? Otherwise correct pe.backup_paths for this target in the inventory"
fi

# The backup directory must not lie inside what is backed up (and then cleared).
resolve bdir "$backup_dir" || fail bad-param "backup_dir $backup_dir cannot be resolved"
inside=
for r in $real; do case $bdir/ in "$r"/*) inside=$r ;; esac; done
if [ -z "$inside" ]; then
  record_check backup_dir true "$bdir is outside every path backed up"
else
  record_check backup_dir false "$bdir is inside $inside, which the procedure backs up and clears: choose another backup_dir (pe.backup_dir)"
fi

# Free space: the backup's size as tar stores it (512-byte header per entry, contents in 512-byte blocks),
# twice (the archive and the copy extracted to verify it) plus a 10 MB margin.
backup_bytes=0 free=-1 unread=
if [ -n "$real" ]; then
  sizes=$(find $real -printf '%y %s\n' 2>/dev/null) || unread=yes
  backup_bytes=$(printf '%s\n' "$sizes" | awk '
    NF == 2 { t += 512; if ($1 == "f") t += int(($2 + 511) / 512) * 512 }
    END { printf "%.0f", t }')
fi
need=$((2 * backup_bytes + 10485760))
free=$(free_bytes "$bdir")
where=$bdir
while [ ! -e "$where" ]; do where=${where%/*}; [ -n "$where" ] || where=/; done
if [ "$free" -lt 0 ]; then
  record_check disk_space false "cannot measure the free space of $where (df failed): check the file system holding backup_dir"
elif [ -n "$unread" ]; then
  record_check disk_space false "could not read every file under the backup paths$unreadable; $free bytes free in $where"
elif [ "$free" -lt "$need" ]; then
  record_check disk_space false "$free bytes free in $where, $need needed (2 x the backup's $backup_bytes bytes + 10 MB): free some space or choose another backup_dir (pe.backup_dir)"
else
  record_check disk_space true "$free bytes free in $where, $need needed (2 x the backup's $backup_bytes bytes + 10 MB)"
fi

# Clock: certificates are dated from it; a clock in the past makes every new certificate "not yet valid".
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
year=$(date -u +%Y)
if [ "$year" -ge 2015 ]; then
  record_check clock true "UTC time $now"
else
  record_check clock false "the clock says $now (before 2015): set the time (ntpdate, then ntpd) before certificates are generated"
fi

if [ -n "$version" ]; then version_json=$(json_str "$version"); else version_json=null; fi
body="\"checks\":$(checks_json),\"warnings\":$(json_list "$WARNINGS"),\"puppet_version\":$version_json,\"backup_bytes\":$backup_bytes,\"free_bytes\":$free"
checks_passed || fail preflight-failed "pre-flight failed on $(uname -n); nothing was changed:$FAILED_CHECKS" "{\"ok\":false,$body}"
printf '{"ok":true,%s}\n' "$body"
