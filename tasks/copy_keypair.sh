#!/bin/sh
# Copy a certname's certificate, public key and private key out of an ssldir into a service's cert
# directory as NAME.cert.pem, NAME.public_key.pem and NAME.private_key.pem (steps 3 and 4 of the
# procedure), with an owner, group and mode when asked. The three files must belong together.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard fs; do . "$lib/$file.sh"; done

param certname ''
param ssldir ''
param dest_dir ''
param owner ''
param group ''
param mode ''
param_list allowed_roots ''
check_certname certname "$certname"
check_path ssldir ssldir "$ssldir"
guard_path dest_dir dest_dir "$dest_dir" "$allowed_roots"
[ -d "$dest_dir" ] || fail not-found "dest_dir $dest_dir is not an existing directory" "{\"dest_dir\":$(json_str "$dest_dir")}"
check_owner_group_mode "$owner" "$group" "$mode"

pairs=
for kind in cert:certs public_key:public_keys private_key:private_keys; do
  src=$ssldir/${kind#*:}/$certname.pem
  [ -f "$src" ] || fail not-found "$src does not exist: is $certname's certificate generated in $ssldir?" "{\"missing\":$(json_str "$src")}"
  guard_path dest dest "$dest_dir/$certname.${kind%%:*}.pem" "$allowed_roots"
  pairs=$pairs$src$TAB$dest$NL
done
# The certificate's public key must be the public key file's and the private key's.
pub_of_cert=$(openssl x509 -noout -pubkey -in "$ssldir/certs/$certname.pem" 2>/dev/null)
pub_file=$(openssl rsa -pubin -in "$ssldir/public_keys/$certname.pem" -pubout 2>/dev/null)
pub_of_key=$(openssl rsa -in "$ssldir/private_keys/$certname.pem" -pubout 2>/dev/null)
if [ -z "$pub_of_cert" ] || [ "$pub_of_cert" != "$pub_file" ] || [ "$pub_of_cert" != "$pub_of_key" ]; then
  fail keypair-mismatch "the certificate, public key and private key of $certname in $ssldir do not belong together; regenerate them before copying" "{\"certname\":$(json_str "$certname"),\"ssldir\":$(json_str "$ssldir")}"
fi

files= sep=
for pair in $pairs; do
  if [ "$NOOP" = true ]; then one=$(copy_plan "${pair%%"$TAB"*}" "${pair#*"$TAB"}")
  else one=$(copy_one "${pair%%"$TAB"*}" "${pair#*"$TAB"}" "$owner" "$group" "$mode") || { printf '%s\n' "$one"; exit 1; }
  fi
  files=$files$sep$one sep=,
done
printf '{"certname":%s,"dest_dir":%s,"owner":%s,"group":%s,"mode":%s,"files":[%s]%s}\n' "$(json_str "$certname")"   "$(json_str "$dest_dir")" "$(json_str "$owner")" "$(json_str "$group")" "$(json_str "$mode")" "$files"   "$([ "$NOOP" = true ] && echo ',"noop":true')"
