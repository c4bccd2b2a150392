#!/bin/sh
# Revoke and remove certificates on the CA: one `puppet cert clean A B ...` (or `puppetserver ca clean
# --certname A,B`) for all the names, with a result per name under results.NAME (the files removed). A name
# the CA knows nothing of is absent (already clean); a request never signed is removed directly (the CA's
# clean refuses a name without a serial).
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param_list certnames ''
param ssldir ''
[ -n "$certnames" ] || fail bad-param "certnames is empty: give the names of the certificates to clean"
for n in $certnames; do
  check_certname certnames "$n"
  [ "$n" != ca ] || fail bad-param "'ca' is the CA itself; to replace the CA clear the ssldir (clear_dir) and use ca_regenerate"
done
param_ca
check_path ssldir ssldir "$ssldir"
need_ca "$cadir"

files_of() {
  for f in "$cadir/signed/$1.pem" "$cadir/requests/$1.pem" "$ssldir/certs/$1.pem" "$ssldir/private_keys/$1.pem" \
    "$ssldir/public_keys/$1.pem" "$ssldir/certificate_requests/$1.pem"; do
    [ ! -f "$f" ] || printf '%s\n' "$f"
  done
}
left_of() { files_of "$1" | grep -Fx -e "$cadir/signed/$1.pem" -e "$cadir/requests/$1.pem" -e "$ssldir/certs/$1.pem" || true; }

# Per-name results (results.NAME), so a batch of names reports each one on its own.
results= rsep= cleaned= csep= absent= errors=0 first_error= to_clean=
clean_ok() { # NAME FILES
  results="$results$rsep$(json_str "$1"):{\"status\":\"cleaned\",\"files\":$(json_list "$2")}" rsep=,
  cleaned="$cleaned$csep{\"name\":$(json_str "$1"),\"files\":$(json_list "$2")}" csep=,
}
for n in $certnames; do
  files=$(files_of "$n")
  if [ -z "$files" ]; then
    absent=$absent$n$NL
    results="$results$rsep$(json_str "$n"):{\"status\":\"absent\"}" rsep=,
  elif [ "$NOOP" = true ]; then
    clean_ok "$n" "$files"
  elif [ ! -f "$cadir/signed/$n.pem" ] && [ ! -f "$ssldir/certs/$n.pem" ]; then
    # A request never signed has no serial: Puppet 3.7's `cert clean` (and `puppetserver ca clean`) refuses it ("Could not find a serial
    # number") and stops the whole call, so its files are removed here, as the CA would.
    printf '%s\n' "$files" | while IFS= read -r f; do rm -f "$f"; done
    clean_ok "$n" "$files"
  else
    to_clean=$to_clean$n$NL
  fi
done

# One clean call for all the names; if it fails, each name still holding files is tried alone, so a
# failure is attributed to its own name.
clean_names() { ca_cmd clean "$1"; } # NAMES: sets RC/OUT
if [ -n "$to_clean" ]; then
  before=
  for n in $to_clean; do before="$before$n=$(files_of "$n" | tr '\n' ' ')$NL"; done
  clean_names "$to_clean"
  batch_rc=$RC
  for n in $to_clean; do
    files=$(printf '%s' "$before" | sed -n "s|^$n=||p" | tr ' ' '\n' | sed '/^$/d')
    if [ "$batch_rc" -ne 0 ] && [ -n "$(left_of "$n")" ]; then clean_names "$n"; fi
    left=$(left_of "$n")
    if [ "$RC" -ne 0 ] || [ -n "$left" ]; then
      errors=$((errors + 1))
      _e="{\"kind\":\"regen/puppet-failed\",\"msg\":$(json_str "'$ca_cli clean $n' failed (exit $RC): $(last_lines 3 "$OUT")"),\"details\":{\"certname\":$(json_str "$n"),\"left\":$(json_list "$left"),\"output\":$(last_lines 20 "$OUT" | json_lines)}}"
      [ -n "$first_error" ] || first_error=$_e
      results="$results$rsep$(json_str "$n"):{\"_error\":$_e}" rsep=,
    else
      clean_ok "$n" "$files"
    fi
  done
fi

summary="\"cleaned\":[$cleaned],\"absent\":$(printf '%s' "$absent" | json_lines),\"results\":{$results}"
[ "$NOOP" = true ] && summary="$summary,\"noop\":true"
if [ "$errors" -eq 0 ]; then printf '{%s}\n' "$summary"; exit 0; fi
[ "$errors" -eq 1 ] || first_error="{\"kind\":\"regen/clean-failed\",\"msg\":$(json_str "$errors of the names could not be cleaned: see results")}"
printf '{%s,"_error":%s}\n' "$summary" "$first_error"
exit 1
