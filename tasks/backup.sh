#!/bin/sh
# Back up files and directories into one timestamped tar.gz beside a manifest of every file (path, type,
# owner, group, mode, size, sha256). The archive is verified before success is reported: its listing
# must match the manifest and a copy extracted aside must match it file for file.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard manifest; do . "$lib/$file.sh"; done

param_list paths ''
param backup_dir ''
param label backup
[ -n "$paths" ] || fail bad-param "paths is empty: give the directories or files to back up"
check_pattern label "$label" '^[a-z0-9][a-z0-9._-]*$' "label"
check_path bdir backup_dir "$backup_dir"
resolve bdir "$bdir" || fail bad-param "backup_dir $backup_dir cannot be resolved"

# Every path is archived under its real location (symlinks resolved), so a restore writes the real files.
real=
for p in $paths; do
  check_path one paths "$p"
  [ -e "$one" ] || fail not-found "$p does not exist on this host; nothing to back up there" "{\"path\":$(json_str "$p")}"
  resolve one "$one" || fail bad-param "$p cannot be resolved"
  for q in $real; do
    case $one/ in "$q"/*) fail bad-param "$p is inside $q, which is already in paths" ;; esac
    case $q/ in "$one"/*) fail bad-param "$q is inside $p, which is already in paths" ;; esac
  done
  case $bdir/ in "$one"/*) fail bad-param "backup_dir $bdir is inside $one, which is being backed up; choose another backup_dir" ;; esac
  real=$real$one$NL
done
real=${real%"$NL"}

scratch_init
manifest_check_names $real
manifest_write "$SCRATCH/body" "" $real
entries=$(wc -l <"$SCRATCH/body")
eval "$(awk -F '\t' '$2 == "f" { files++; data += $8 } $2 == "d" { dirs++ }
  END { printf "data_bytes=%.0f\nneed_bytes=%.0f\n", data, 2 * (data + 512 * NR) + 4096 * dirs + 1048576 }' "$SCRATCH/body")"
free=$(free_bytes "$bdir")

host=$(uname -n | tr -c 'A-Za-z0-9\n.-' '_')
stem=regen-$label-$host-$(date -u +%Y%m%dT%H%M%SZ)
base=$stem n=1
while [ -e "$bdir/$base.tar.gz" ] || [ -e "$bdir/$base.manifest.tsv" ]; do
  n=$((n + 1)) base=$stem-$n
done
archive=$bdir/$base.tar.gz
manifest=$bdir/$base.manifest.tsv
report() {
  printf '{"archive":%s,"manifest":%s,"paths":%s,"files":%s,"data_bytes":%s,"need_bytes":%s,"free_bytes":%s%s}\n' \
    "$(json_str "$archive")" "$(json_str "$manifest")" "$(json_list "$real")" "$entries" "$data_bytes" \
    "$need_bytes" "$free" "$1"
}

if [ "$free" -ge 0 ] && [ "$free" -lt "$need_bytes" ]; then
  fail disk-full "not enough free space for the backup in $bdir: $free bytes free, $need_bytes needed (archive plus a verification copy); free some space or choose another backup_dir" \
    "{\"backup_dir\":$(json_str "$bdir"),\"free_bytes\":$free,\"need_bytes\":$need_bytes}"
fi
if [ "$NOOP" = true ]; then report ',"noop":true'; exit 0; fi

umask 077
mkdir -p -- "$bdir" || fail command-failed "cannot create backup_dir $bdir"
rels=$(printf '%s\n' "$real" | sed 's|^/*||')
run_capture tar -C / --hard-dereference -czf "$archive" -- $rels
if [ "$RC" -ne 0 ]; then
  rm -f -- "$archive"
  fail command-failed "tar could not write $archive (exit $RC): $(last_lines 5 "$OUT")" "{\"archive\":$(json_str "$archive")}"
fi
{
  printf '%s\n# created\t%s\n# host\t%s\n# archive\t%s\n' "$MANIFEST_FORMAT" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -n)" "$base.tar.gz"
  printf '# path\t%s\n' $real
  printf '%s\n' "$MANIFEST_COLUMNS"
  cat "$SCRATCH/body"
} >"$manifest" || fail command-failed "cannot write the manifest $manifest"

# Verify: the listing, then a copy extracted aside, compared with the manifest file for file.
discard() { rm -f -- "$archive" "$manifest"; }
archive_list_check "$archive" "$SCRATCH/body"
check=$(mktemp -d "$bdir/.regen-verify.XXXXXX") || { discard; fail command-failed "cannot create a verification directory in $bdir"; }
cleanup_add "$check"
run_capture tar -C "$check" -xzpf "$archive" --numeric-owner
[ "$RC" -eq 0 ] || { discard; fail verify-failed "the archive $archive cannot be extracted (exit $RC): $(last_lines 5 "$OUT"); it was removed" ; }
copies=
for p in $real; do copies=$copies$check$p$NL; done
manifest_write "$SCRATCH/extracted" "$check" $copies
# Only root can give the extracted copy its owners back; otherwise owners are not compared.
owners_verified=true ignore_owners=false
[ "$(id -u)" -eq 0 ] || owners_verified=false ignore_owners=true
if ! manifest_compare "$SCRATCH/body" "$SCRATCH/extracted" "$ignore_owners"; then
  discard
  fail verify-failed "the archive does not match the files it was made from; it was removed. Were files changing during the backup?" \
    "{\"differences\":$(json_lines <"$SCRATCH/body.diff")}"
fi
rm -rf -- "$check"
report ",\"bytes\":$(wc -c <"$archive"),\"sha256\":$(json_str "$(sha256sum <"$archive" | cut -c 1-64)"),\"verified\":true,\"owners_verified\":$owners_verified"
