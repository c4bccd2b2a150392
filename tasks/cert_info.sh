#!/bin/sh
# Read one certificate with openssl: subject, issuer, SANs, validity, serial and SHA256 fingerprint, and
# optionally whether it verifies against a CA certificate. Give path, or certname (read from
# SSLDIR/certs/CERTNAME.pem), or neither to read this host's own certificate (as puppet config says).
# Read-only.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki; do . "$lib/$file.sh"; done

param path ''
param certname ''
param ssldir ''
param ca_file ''
param expected_ca_fingerprint ''
param puppet ''
[ -z "$path" ] || [ -z "$certname" ] || fail bad-param "give path or certname, not both"
if [ -z "$path" ]; then
  if [ -z "$certname" ] || [ -z "$ssldir" ]; then
    need_puppet "$puppet"
    puppet_config "$puppet" main certname ssldir
    [ -n "$certname" ] || certname=$CFG_certname
    [ -n "$ssldir" ] || ssldir=$CFG_ssldir
  fi
  check_certname certname "$certname"
  check_path ssldir ssldir "$ssldir"
  path=$ssldir/certs/$certname.pem
fi
check_path path path "$path"
[ -f "$path" ] || fail not-found "there is no certificate at $path" "{\"path\":$(json_str "$path")}"
info=$(cert_json "$path") || { printf '%s\n' "$info"; exit 1; }
[ -n "$ca_file" ] || [ -z "$expected_ca_fingerprint" ] || [ -z "$ssldir" ] || ca_file=$ssldir/certs/ca.pem
if [ -n "$ca_file" ]; then
  check_path ca_file ca_file "$ca_file"
  [ -f "$ca_file" ] || fail not-found "there is no CA certificate at $ca_file" "{\"ca_file\":$(json_str "$ca_file")}"
  if verify_msg=$(cert_verify "$ca_file" "$path"); then verify_ok=true; else verify_ok=false; fi
  info="${info%\}},\"verify\":{\"ca_file\":$(json_str "$ca_file"),\"ok\":$verify_ok,\"message\":$(json_str "$verify_msg")}}"
fi
if [ -n "$expected_ca_fingerprint" ]; then
  # The chain check of doc Step 6: the certificate verifies against a CA that is the master's new one.
  [ -n "$ca_file" ] || fail bad-param "expected_ca_fingerprint needs ca_file (or an ssldir, whose certs/ca.pem is used)"
  ca_fp=$(cert_fingerprint "$ca_file")
  if [ "$ca_fp" != "$expected_ca_fingerprint" ]; then
    fail wrong-ca "the CA certificate $ca_file is not the expected CA (fingerprint $ca_fp, expected $expected_ca_fingerprint): the agent still trusts another CA; re-run its re-enrollment" "{\"ca_file\":$(json_str "$ca_file"),\"fingerprint\":$(json_str "$ca_fp")}"
  fi
  [ "$verify_ok" = true ] || fail chain-failed "$path does not verify against the CA $ca_file: $verify_msg" "{\"path\":$(json_str "$path")}"
fi
printf '%s\n' "$info"
