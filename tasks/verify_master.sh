#!/bin/sh
# Post-verification on the CA server after the certificate regeneration (doc Steps 2-4): the CA changed and
# is a self-signed CA (or a chain to a self-signed root, as Puppet 6+ makes it), the master's and the pe-internal-* certificates verify against it with their keys,
# the master's SANs are kept, the CRL is in place, ssldir has PE's owner, and every service directory holds
# exactly the copied credentials, byte for byte, with their owner, group and mode. Every check is
# reported; any failure fails the task. Read-only: the same in no-op mode.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki verify; do . "$lib/$file.sh"; done

param puppet ''
param ssldir ''
param cadir ''
param section master
param certname ''
param_list expected_alt_names ''
param old_ca_fingerprint ''
param_list internal_certs ''
param ssl_owner ''
param ssl_group ''
param copies ''
check_path puppet puppet "$puppet"
check_path ssldir ssldir "$ssldir"
check_path cadir cadir "$cadir"
check_pattern section "$section" '^(main|master|server)$' "puppet.conf section"
check_certname certname "$certname"
check_certnames internal_certs "$internal_certs"
check_pattern ssl_owner "$ssl_owner" "$ACCOUNT_RE" "user name or id"
check_pattern ssl_group "$ssl_group" "$ACCOUNT_RE" "group name or id"
old_fp=$(fingerprint_norm "$old_ca_fingerprint")
printf '%s\n' "$old_fp" | grep -Eq '^[0-9A-F]{64}$' ||
  fail bad-param "old_ca_fingerprint '$old_ca_fingerprint' is not a SHA256 fingerprint (64 hex digits, colons allowed, as openssl prints it)" "{\"param\":\"old_ca_fingerprint\",\"value\":$(json_str "$old_ca_fingerprint")}"
[ -n "$copies" ] || fail bad-param "copies is required: the service directories to check (give [] for none)"
records=$(json_objects_decode "$copies" 2>&1) ||
  fail bad-param "parameter copies is not a JSON array of objects with string values: $records" "{\"param\":\"copies\"}"
bad_key=$(printf '%s\n' "$records" | awk -F "$TAB" 'NF > 1 && $2 !~ /^(dir|certnames|owner|group|mode)$/ { print $2; exit }')
[ -z "$bad_key" ] || fail bad-param "copies: unknown key '$bad_key' (expected dir, certnames, owner, group, mode)" "{\"param\":\"copies\"}"
ncopies=0
[ -z "$records" ] || ncopies=$(printf '%s\n' "$records" | grep -c -v "$TAB")

ca=$cadir/ca_crt.pem
new_fp=
[ -f "$ca" ] && new_fp=$(cert_fingerprint "$ca")

# The CA: a new one, a CA whose chain ends in a self-signed root (the file's last certificate: Puppet 6+
# writes the intermediate CA, then the root), and the copy in certs/ca.pem that agents are served.
if [ -z "$new_fp" ]; then
  record_check ca_changed false "there is no readable CA certificate at $ca: the CA was not regenerated (puppet cert list -a creates it)"
elif [ "$(fingerprint_norm "$new_fp")" = "$old_fp" ]; then
  record_check ca_changed false "the CA at $ca is still the old one (SHA256 $new_fp): the CA was not regenerated"
else
  record_check ca_changed true "new CA SHA256 $new_fp (was $old_ca_fingerprint)"
fi
if [ -n "$new_fp" ]; then
  root=$(mktemp "${TMPDIR:-/tmp}/regen-root.XXXXXX") || fail command-failed "cannot create a temporary file in ${TMPDIR:-/tmp}"
  awk '/-BEGIN CERTIFICATE-/ { buf = "" } { buf = buf $0 "\n" } /-END CERTIFICATE-/ { last = buf } END { printf "%s", last }' "$ca" > "$root"
  names=$(openssl x509 -noout -subject -issuer -nameopt RFC2253 -in "$root" 2>/dev/null)
  subject=$(printf '%s\n' "$names" | sed -n 's/^subject= *//p')
  issues=
  [ "$subject" = "$(printf '%s\n' "$names" | sed -n 's/^issuer= *//p')" ] || issues="its root's issuer is not its subject"
  openssl verify -check_ss_sig -CAfile "$root" "$root" 2>&1 </dev/null | grep -q ': OK$' || issues="${issues:+$issues, }its root's self-signature does not verify"
  openssl verify -CAfile "$ca" "$ca" 2>&1 </dev/null | grep -q ': OK$' || issues="${issues:+$issues, }it does not chain to its root"
  cert_is_ca "$ca" || issues="${issues:+$issues, }it lacks CA:TRUE"
  rm -f "$root"
  if [ -z "$issues" ]; then record_check ca_self_signed true "$subject: self-signed root, CA:TRUE"
  else record_check ca_self_signed false "$ca is not a usable CA certificate: $issues"; fi
  if cmp -s -- "$ssldir/certs/ca.pem" "$ca"; then record_check ca_copy true "certs/ca.pem is ca/ca_crt.pem"
  else record_check ca_copy false "$ssldir/certs/ca.pem is missing or differs from $ca: regenerate the certificates (puppet cert generate writes it)"; fi
fi

# Each certificate: present, signed by the new CA (and valid now), with its private and public key.
present=
for name in $certname $internal_certs; do
  [ ! -f "$ssldir/certs/$name.pem" ] || present="$present$ssldir/certs/$name.pem$NL"
done
verified=
[ -z "$present" ] || [ -z "$new_fp" ] || verified=$(openssl verify -CAfile "$ca" $present 2>/dev/null </dev/null)
for name in $certname $internal_certs; do
  cert=$ssldir/certs/$name.pem
  if [ ! -f "$cert" ]; then
    record_check "cert:$name" false "$cert is missing: generate it with puppet cert generate $name"
    continue
  fi
  facts=$(openssl x509 -noout -modulus -enddate -in "$cert" 2>/dev/null)
  mod=
  case $facts in Modulus=*) mod=${facts#Modulus=}; mod=${mod%%"$NL"*} ;; esac
  case $NL$verified$NL in
    *"$NL$cert: OK$NL"*) issues= ;;
    *) issues="it does not verify against $ca ($(cert_verify "$ca" "$cert" | tr '\n' ' '))" ;;
  esac
  [ -n "$mod" ] && [ "$(rsa_modulus private "$ssldir/private_keys/$name.pem")" = "$mod" ] ||
    issues="${issues:+$issues; }private_keys/$name.pem is missing or not its key"
  [ -n "$mod" ] && [ "$(rsa_modulus public "$ssldir/public_keys/$name.pem")" = "$mod" ] ||
    issues="${issues:+$issues; }public_keys/$name.pem is missing or not its key"
  if [ -z "$issues" ]; then
    record_check "cert:$name" true "verifies against the CA, keys match, valid until ${facts##*notAfter=}"
  else
    record_check "cert:$name" false "$cert: $issues: regenerate it (puppet cert clean $name; puppet cert generate $name)"
  fi
done

# The master's SANs: its certname and every expected alt name ("DNS:" optional; "IP:" means an address).
master_cert=$ssldir/certs/$certname.pem
if [ -f "$master_cert" ]; then
  sans=$(cert_sans "$master_cert")
  have=$(printf '%s\n' "$sans" | tr 'A-Z' 'a-z')
  missing=
  for alt in $certname $expected_alt_names; do
    case $alt in
      [Dd][Nn][Ss]:*) want=DNS:${alt#*:} ;;
      [Ii][Pp]:*) want="IP Address:${alt#*:}" ;;
      *) want=DNS:$alt ;;
    esac
    printf '%s\n' "$have" | grep -qxF -- "$(printf '%s' "$want" | tr 'A-Z' 'a-z')" || missing="${missing:+$missing$NL}$want"
  done
  sans=$(comma_join "$sans")
  if [ -z "$missing" ]; then record_check master_sans true "$sans"
  else record_check master_sans false "missing $(comma_join "$missing") (the certificate has: ${sans:-no SANs}): regenerate it with puppet cert generate $certname --dns_alt_names=..."; fi
else
  record_check master_sans false "$master_cert is missing"
fi

# The CRL the master serves: a copy of the CA's, signed by the new CA (doc Step 2.7).
crl=$ssldir/crl.pem
if cmp -s -- "$crl" "$cadir/ca_crl.pem"; then record_check crl_copy true "crl.pem is the CA's ca_crl.pem"
else record_check crl_copy false "$crl is missing or differs from $cadir/ca_crl.pem: cp $cadir/ca_crl.pem $crl"; fi
if [ -f "$crl" ] && crl_verify "$ca" "$crl"; then record_check crl_signed true "crl.pem is signed by the CA"
else record_check crl_signed false "$crl is missing or not signed by the CA at $ca: cp $cadir/ca_crl.pem $crl"; fi

# Ownership of everything under ssldir (doc Step 2.7: chown -R).
if ! id -u -- "$ssl_owner" >/dev/null 2>&1 || ! getent group -- "$ssl_group" >/dev/null 2>&1; then
  record_check ssl_owner false "user $ssl_owner or group $ssl_group does not exist on this host: check ssl_owner and ssl_group"
else
  wrong=$(find "$ssldir" \( ! -user "$ssl_owner" -o ! -group "$ssl_group" \) -printf '%p (%u:%g)\n' 2>&1)
  if [ -z "$wrong" ]; then record_check ssl_owner true "everything under $ssldir is $ssl_owner:$ssl_group"
  else record_check ssl_owner false "$(printf '%s\n' "$wrong" | wc -l) entries under $ssldir are not $ssl_owner:$ssl_group, e.g. $(comma_join "$(printf '%s\n' "$wrong" | head -n 3)"): chown -R $ssl_owner:$ssl_group $ssldir"; fi
fi

# The copies of Steps 3 and 4: exactly NAME.{cert,public_key,private_key}.pem for each certname, each
# the same bytes as its source in ssldir, with the directory's owner, group and mode.
i=0
while [ "$i" -lt "$ncopies" ]; do
  i=$((i + 1))
  dir=$(object_field "$records" $i dir)
  names=$(object_field "$records" $i certnames)
  owner=$(object_field "$records" $i owner)
  group=$(object_field "$records" $i group)
  mode=$(object_field "$records" $i mode)
  [ -n "$dir" ] && [ -n "$names" ] && [ -n "$owner" ] && [ -n "$group" ] ||
    fail bad-param "copies element $i needs dir, certnames, owner and group" "{\"param\":\"copies\",\"element\":$i}"
  check_path dir "copies[$i].dir" "$dir"
  check_certnames "copies[$i].certnames" "$names"
  check_pattern "copies[$i].owner" "$owner" "$ACCOUNT_RE" "user name or id"
  check_pattern "copies[$i].group" "$group" "$ACCOUNT_RE" "group name or id"
  if [ -n "$mode" ]; then
    check_pattern "copies[$i].mode" "$mode" '^0?[0-7]{3}$' "octal mode such as 0400"
    while [ ${#mode} -lt 4 ]; do mode=0$mode; done
  fi
  if [ ! -d "$dir" ]; then
    record_check "copy_files:$dir" false "$dir does not exist: create it and copy the credentials of $(comma_join "$names") (doc Steps 3-4)"
    continue
  fi
  expected=
  for n in $names; do expected="$expected$n.cert.pem$NL$n.public_key.pem$NL$n.private_key.pem$NL"; done
  expected=$(printf '%s' "$expected" | sort -u)
  actual=$(ls -A -- "$dir" | sort)
  missing=$(printf '%s\n' "$expected" | grep -vxF -- "$actual" || true)
  stale=$(printf '%s\n' "$actual" | grep -vxF -- "$expected" || true)
  [ -n "$actual" ] || missing=$expected
  notfile= differ= owners= modes=
  for f in $expected; do
    p=$dir/$f
    [ -e "$p" ] || [ -L "$p" ] || continue
    if [ -L "$p" ] || [ ! -f "$p" ]; then notfile="${notfile:+$notfile$NL}$f"; continue; fi
    n=${f%.*.pem}
    case $f in
      *.cert.pem) src=$ssldir/certs/$n.pem ;;
      *.public_key.pem) src=$ssldir/public_keys/$n.pem ;;
      *) src=$ssldir/private_keys/$n.pem ;;
    esac
    cmp -s -- "$src" "$p" || differ="${differ:+$differ$NL}$f (differs from $src)"
    st=$(stat -c "%U:%G %u:%g %a" -- "$p")
    case " ${st% *} " in *" $owner:$group "*) ;; *) owners="${owners:+$owners$NL}$f (${st%% *})" ;; esac
    m=${st##* }
    while [ ${#m} -lt 4 ]; do m=0$m; done
    [ -z "$mode" ] || [ "$m" = "$mode" ] || modes="${modes:+$modes$NL}$f ($m)"
  done
  issues=
  [ -z "$missing" ] || issues="missing $(comma_join "$missing")"
  [ -z "$stale" ] || issues="${issues:+$issues; }stale $(comma_join "$stale")"
  [ -z "$notfile" ] || issues="${issues:+$issues; }not regular files: $(comma_join "$notfile")"
  if [ -z "$issues" ]; then record_check "copy_files:$dir" true "exactly the credentials of $(comma_join "$names")"
  else record_check "copy_files:$dir" false "$issues: $dir must hold only the credentials of $(comma_join "$names") (clear it and copy them again)"; fi
  if [ -z "$differ" ]; then record_check "copy_contents:$dir" true "every copy is the same bytes as its source in $ssldir"
  else record_check "copy_contents:$dir" false "$(comma_join "$differ"): copy them again from $ssldir"; fi
  if [ -z "$owners" ]; then record_check "copy_owner:$dir" true "the files are $owner:$group"
  else record_check "copy_owner:$dir" false "not $owner:$group: $(comma_join "$owners"): chown $owner:$group them"; fi
  if [ -n "$mode" ]; then
    if [ -z "$modes" ]; then record_check "copy_mode:$dir" true "the files have mode $mode"
    else record_check "copy_mode:$dir" false "not mode $mode: $(comma_join "$modes"): chmod $mode them"; fi
  fi
done

# Puppet itself reads the verified files: its [SECTION] ssldir and certname are the ones checked here.
puppet_cmd "$puppet" config print ssldir certname --section "$section"
p_ssldir=$(printf '%s\n' "$OUT" | sed -n 's/^ssldir = //p')
p_certname=$(printf '%s\n' "$OUT" | sed -n 's/^certname = //p')
if [ "$RC" -ne 0 ]; then
  record_check puppet_settings false "'$puppet config print ssldir certname --section $section' failed (exit $RC): $(last_lines 2 "$OUT")"
elif [ "$p_ssldir" != "$ssldir" ] || [ "$p_certname" != "$certname" ]; then
  record_check puppet_settings false "Puppet's [$section] ssldir and certname are $p_ssldir and $p_certname, not the $ssldir and $certname verified here: verify with Puppet's own values"
else
  record_check puppet_settings true "Puppet's [$section] ssldir and certname are the ones verified"
fi

if [ -n "$new_fp" ]; then fp_json=$(json_str "$new_fp"); else fp_json=null; fi
body="\"ca_fingerprint\":$fp_json,\"checks\":$(checks_json)"
checks_passed || fail verify-failed "post-verification failed on $(uname -n), $(printf '%s\n' "$FAILED_NAMES" | wc -l) of $(printf '%s\n' "$CHECKS_TSV" | wc -l) checks; fix each, or restore the backup:$FAILED_CHECKS" "{\"ok\":false,$body}"
printf '{"ok":true,%s}\n' "$body"
