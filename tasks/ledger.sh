#!/bin/sh
# The enrollment ledger: before the CA is destroyed, every certificate it signed (certname, state, serial,
# fingerprint, alt names, expiry) and every line of its inventory.txt, written as JSON next to the backup
# archive and printed. Parameters arrive on stdin as one JSON object. The listing comes from the CA's command
# line; `puppetserver ca list` needs a running puppetserver, so when it is stopped the CA's signed/ directory
# is read instead (the same certificates: it is what the server lists).
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki; do . "$lib/$file.sh"; done

input=$(cat)
rec=$(json_objects_decode "[$input]" 2>&1) || fail bad-param "the task's input is not a JSON object of strings: $rec"
[ "$(object_field "$rec" 1 _noop)" = true ] && NOOP=true
for key in ca_cli ca_bin cadir backup certname; do eval "PT_$key=\$(object_field \"\$rec\" 1 $key)"; done
internal=$(object_field "$rec" 1 internal_certs)
param_ca
param backup ''
param certname ''
check_path backup backup "$backup"
check_certname certname "$certname"
[ -z "$internal" ] || check_certnames internal_certs "$internal"
need_ca "$cadir"
[ -f "$backup" ] || fail not-found "the backup archive $backup does not exist: the ledger is written beside a verified backup, so run the backup step first" "{\"backup\":$(json_str "$backup")}"
ledger=${backup%.tar.gz}.ledger.json

# The listing, as "STATE<TAB>CERTNAME" lines (STATE signed, revoked or invalid).
source=cli
if [ "$ca_cli" = puppetserver-ca ]; then
  puppet_cmd "$ca_bin" ca list --all
  if [ "$RC" -eq 0 ]; then
    listing=$(printf '%s\n' "$OUT" | awk '
      /^Signed Certificates:/ { s = "signed"; next } /^Revoked Certificates:/ { s = "revoked"; next } /^[A-Z]/ { s = ""; next }
      s != "" && /^    [^ ]+ +\(SHA256\)/ { print s "\t" $1 }')
  else
    source=cadir
    listing=$(ls -1 "$cadir/signed" 2>/dev/null | sed -n "s/\\.pem\$//p" | sed "s/^/signed$TAB/")
  fi
else
  ca_cmd list '' --all
  [ "$RC" -eq 0 ] || puppet_fail puppet-failed "'puppet cert list --all' failed on the CA; the ledger cannot be recorded"
  # Puppet 3.7: GLYPH "NAME" (ALG) FINGERPRINT ...; '+' signed, '-' invalid ("certificate revoked" for revoked ones).
  listing=$(printf '%s\n' "$OUT" | awk '/^[+-] "/ {
    r = substr($0, 4); n = substr(r, 1, index(r, "\"") - 1)
    print (substr($0, 1, 1) == "+" ? "signed" : (index(r, "(certificate revoked)") ? "revoked" : "invalid")) "\t" n }')
fi

field() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\\($3\\).*/\\1/p" | head -n 1; }
certs= agents=0 count=0
for line in $listing; do
  state=${line%%"$TAB"*} name=${line#*"$TAB"}
  check_certname certname "$name"
  role=agent
  [ "$name" = "$certname" ] && role=server
  printf '%s\n' "$internal" | grep -qxF -- "$name" && role=internal
  [ "$role" = agent ] && agents=$((agents + 1))
  pem=$cadir/signed/$name.pem cert='"serial":null,"fingerprint":null,"alt_names":[],"not_after":null'
  if [ -f "$pem" ]; then
    info=$(cert_json "$pem") || { printf '%s\n' "$info"; exit 1; }
    cert="\"serial\":$(field "$info" serial '"[^"]*"'),\"fingerprint\":$(field "$info" value '"[^"]*"'),\"alt_names\":$(field "$info" sans '\[[^]]*\]'),\"not_after\":$(field "$info" not_after '"[^"]*"')"
  fi
  certs="$certs${certs:+,}{\"certname\":$(json_str "$name"),\"state\":\"$state\",\"role\":\"$role\",$cert}"
  count=$((count + 1))
done
[ "$count" -gt 0 ] || fail empty-ledger "the CA in $cadir lists no signed certificate (not even the server's own): refusing to record an empty ledger; check cadir and the CA command ($ca_cli)" "{\"cadir\":$(json_str "$cadir"),\"output\":$(last_lines 10 "${OUT:-}" | json_lines)}"

# inventory.txt: "0xSERIAL NOT_BEFORE NOT_AFTER /CN=NAME", one line per certificate ever signed.
inventory=$(awk "$AWK_JSON"'NF >= 4 { cn = $4; sub(/^.*\/CN=/, "", cn)
  printf "%s{\"serial\":%s,\"not_before\":%s,\"not_after\":%s,\"certname\":%s}", (n++ ? "," : ""), jstr($1), jstr($2), jstr($3), jstr(cn) }' \
  "$cadir/inventory.txt" 2>/dev/null)
doc="{\"ledger\":$(json_str "$ledger"),\"backup\":$(json_str "$backup"),\"source\":\"$source\",\"ca_fingerprint\":$(json_str "$(cert_fingerprint "$cadir/ca_crt.pem")"),\"recorded_at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"server\":$(json_str "$certname"),\"count\":$count,\"agents\":$agents,\"certs\":[$certs],\"inventory\":[$inventory]"
if [ "$NOOP" = true ]; then
  printf '%s,"noop":true,"summary":%s}\n' "$doc" "$(json_str "would record $count certificates ($agents agents) in $ledger")"
  exit 0
fi
printf '%s}\n' "$doc" > "$ledger.tmp.$$" && mv -f "$ledger.tmp.$$" "$ledger" || { rm -f "$ledger.tmp.$$"; fail command-failed "cannot write the ledger $ledger (is $(dirname "$ledger") full or read-only?)"; }
printf '%s,"summary":%s}\n' "$doc" "$(json_str "$count certificates ($agents agents) recorded in $ledger")"
