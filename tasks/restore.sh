#!/bin/sh
# Restore a backup made by the backup task: afterwards every backed-up path holds exactly what the
# manifest lists (contents, owners, modes, symlinks), and files created since inside those paths are gone.
# The archive is checked against its manifest before anything is touched, and the result after.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard manifest; do . "$lib/$file.sh"; done

param archive ''
param manifest ''
param_list allowed_roots ''
check_path archive archive "$archive"
[ -n "$manifest" ] || manifest=${archive%.tar.gz}.manifest.tsv
check_path manifest manifest "$manifest"
[ -f "$archive" ] || fail not-found "archive $archive does not exist" "{\"archive\":$(json_str "$archive")}"
[ -f "$manifest" ] || fail not-found "manifest $manifest does not exist; pass the manifest parameter" "{\"manifest\":$(json_str "$manifest")}"
[ "$(head -n 1 "$manifest")" = "$MANIFEST_FORMAT" ] || fail bad-param "$manifest is not a regen backup manifest"
[ "$(id -u)" -eq 0 ] || fail not-root "restore must run as root to give files back their owners; use run-as root"

tops=$(manifest_paths "$manifest")
[ -n "$tops" ] || fail bad-param "the manifest $manifest names no backed-up path"
for t in $tops; do
  guard_path checked "path in manifest" "$t" "$allowed_roots" leaf
done

scratch_init
manifest_body "$manifest" >"$SCRATCH/body"
# Every manifest line must sit under one of its backed-up paths.
for t in $tops; do printf '%s\n' "$t"; done >"$SCRATCH/tops"
awk -F '\t' 'NR == FNR { top[$0] = 1; next }
  { p = $1; while (!(p in top) && p != "") sub(/\/[^\/]*$/, "", p); if (p == "") { print $1; exit 1 } }' \
  "$SCRATCH/tops" "$SCRATCH/body" >"$SCRATCH/stray" ||
  fail verify-failed "the manifest lists $(cat "$SCRATCH/stray"), which is outside its backed-up paths"

# 1. The archive must hold exactly the manifest's files, with the recorded contents, owners and modes.
archive_list_check "$archive" "$SCRATCH/body"
check=$(mktemp -d "${archive%/*}/.regen-restore-check.XXXXXX") || fail command-failed "cannot create a check directory beside $archive"
cleanup_add "$check"
run_capture tar -C "$check" -xzpf "$archive" --numeric-owner
[ "$RC" -eq 0 ] || fail verify-failed "the archive $archive cannot be extracted (exit $RC): $(last_lines 5 "$OUT")"
copies=
for t in $tops; do copies=$copies$check$t$NL; done
manifest_write "$SCRATCH/extracted" "$check" $copies
manifest_compare "$SCRATCH/body" "$SCRATCH/extracted" false ||
  fail verify-failed "the archive $archive does not match its manifest; nothing was changed" "{\"differences\":$(json_lines <"$SCRATCH/body.diff")}"
rm -rf -- "$check"

# 2. What differs now: paths to remove (new since, or of another type) and paths to write back.
present=
for t in $tops; do if [ -e "$t" ] || [ -L "$t" ]; then present=$present$t$NL; fi; done
if [ -n "$present" ]; then manifest_write "$SCRATCH/current" "" $present; else : >"$SCRATCH/current"; fi
awk -F '\t' -v out="$SCRATCH" 'NR == FNR { want[$1] = $0; type[$1] = $2; next }
  { have[$1] = $0; if (!($1 in want) || type[$1] != $2) print $1 > (out "/remove") }
  END { for (p in want) if (want[p] != have[p]) print p > (out "/write") }' "$SCRATCH/body" "$SCRATCH/current"
touch "$SCRATCH/remove" "$SCRATCH/write"
sort -o "$SCRATCH/remove" "$SCRATCH/remove"
sort -o "$SCRATCH/write" "$SCRATCH/write"
entries=$(wc -l <"$SCRATCH/body")
report() {
  printf '{"archive":%s,"manifest":%s,"paths":%s,"files":%s,"removed":%s,"restored":%s%s}\n' \
    "$(json_str "$archive")" "$(json_str "$manifest")" "$(json_list "$tops")" "$entries" \
    "$(json_lines <"$SCRATCH/remove")" "$(json_lines <"$SCRATCH/write")" "$1"
}
if [ "$NOOP" = true ]; then report ',"noop":true'; exit 0; fi

# 3. Remove, extract, verify.
while IFS= read -r p; do
  rm -rf -- "$p" || fail command-failed "cannot remove $p"
done <"$SCRATCH/remove"
rels=$(printf '%s\n' "$tops" | sed 's|^/*||')
run_capture tar -C / -xzpf "$archive" --numeric-owner -- $rels
[ "$RC" -eq 0 ] || fail command-failed "tar could not restore $archive (exit $RC): $(last_lines 5 "$OUT"); run restore again, or restore by hand with: tar -C / -xzpf $archive --numeric-owner"
manifest_write "$SCRATCH/after" "" $tops
manifest_compare "$SCRATCH/body" "$SCRATCH/after" false ||
  fail verify-failed "after the restore the files still differ from the manifest" "{\"differences\":$(json_lines <"$SCRATCH/body.diff")}"
# The host is back as the backup found it: an unfinished regen run's journal next to the archive is closed
# (kept as runs/RUN.restored.json), so the next run starts afresh instead of resuming what was undone.
bdir=${archive%/*} closed=null
if [ -s "$bdir/current-run.json" ]; then
  rid=$(grep -o '"run":"[A-Za-z0-9._-]*"' "$bdir/current-run.json" | head -n 1 | cut -d'"' -f4)
  mkdir -p -m 700 "$bdir/runs" && mv -f "$bdir/current-run.json" "$bdir/runs/${rid:-unknown}.restored.json" &&
    closed=$(json_str "$bdir/runs/${rid:-unknown}.restored.json")
fi
report ",\"verified\":true,\"journal_closed\":$closed"
