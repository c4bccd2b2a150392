#!/bin/sh
# What regen must know about a host before it touches anything: Puppet's own settings (one
# `puppet config print`), the Puppet version, the OS, the current certificate and CA as openssl reads
# them, the clock, whether we run as root and the free space where backups and certificates go.
# Read-only.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki manifest; do . "$lib/$file.sh"; done

param puppet ''
param section master
param_list disk_paths ''
check_pattern section "$section" '^(main|master|server|agent|user)$' "puppet.conf section"
need_puppet "$puppet"
for p in $disk_paths; do check_path checked disk_paths "$p"; done

puppet_config "$puppet" "$section" certname dns_alt_names ssldir client_datadir confdir hostcert localcacert
puppet_cmd "$puppet" --version
[ "$RC" -eq 0 ] || puppet_fail puppet-failed "'puppet --version' failed"
version_raw=$(printf '%s\n' "$OUT" | tail -n 1)

# The OS: /etc/os-release where it exists (RHEL 7, Debian 7+), else /etc/redhat-release (RHEL 5/6).
os_id= os_version= os_name=
if [ -r /etc/os-release ]; then
  os_id=$(sed -n 's/^ID=//p' /etc/os-release | tr -d '"')
  os_version=$(sed -n 's/^VERSION_ID=//p' /etc/os-release | tr -d '"')
  os_name=$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')
elif [ -r /etc/redhat-release ]; then
  os_name=$(head -n 1 /etc/redhat-release)
  os_id=rhel
  os_version=$(printf '%s\n' "$os_name" | sed -n 's/[^0-9]*\([0-9][0-9.]*\).*/\1/p')
fi

cert_or_null() { if [ -f "$1" ]; then cert_json "$1"; else printf null; fi; }
issued=null
if [ -f "$CFG_hostcert" ] && [ -f "$CFG_localcacert" ]; then
  if cert_verify "$CFG_localcacert" "$CFG_hostcert" >/dev/null; then issued=true; else issued=false; fi
fi
disk= sep=
for p in $disk_paths; do
  disk="$disk$sep{\"path\":$(json_str "$p"),\"free_bytes\":$(free_bytes "$p")}" sep=,
done
if [ "$(id -u)" -eq 0 ]; then root=true; else root=false; fi
# The alt names a regenerated certificate must keep: dns_alt_names as Puppet reports it for the section, as
# puppet.conf sets it in [main], [master] or [server] (Puppet 7 reads [master] only as a deprecated alias),
# plus the DNS names of the current certificate (which may hold names added by hand), without the
# certname, first seen first.
conf_alt_names() {
  [ -r "$CFG_confdir/puppet.conf" ] || return 0
  awk '/^[ \t]*\[/ { gsub(/[][ \t]/, ""); section = $0; next }
    (section == "main" || section == "master" || section == "server") && /^[ \t]*dns_alt_names[ \t]*=/ {
      sub(/^[^=]*=[ \t]*/, ""); print }' "$CFG_confdir/puppet.conf" | tr ',' '\n' | sed 's/^[ ]*//; s/[ ]*$//' | grep -v '^$' || true
}
keep=$({ split_commas "$CFG_dns_alt_names"; conf_alt_names; [ -f "$CFG_hostcert" ] && cert_sans "$CFG_hostcert" | sed -n 's/^DNS://p'; } |
  awk -v cn="$CFG_certname" 'NF && $0 != cn && !seen[$0]++')

printf '{"certname":%s,"dns_alt_names":%s,"alt_names_list":%s,"alt_names_to_keep":%s,"ssldir":%s,"client_datadir":%s,"confdir":%s,"hostcert":%s,"localcacert":%s,'   "$(json_str "$CFG_certname")" "$(json_list "$(split_commas "$CFG_dns_alt_names")")" "$(json_list "$keep")" "$(json_str "$(printf '%s\n' "$keep" | paste -sd, -)")" "$(json_str "$CFG_ssldir")"   "$(json_str "$CFG_client_datadir")" "$(json_str "$CFG_confdir")" "$(json_str "$CFG_hostcert")" "$(json_str "$CFG_localcacert")"
printf '"puppet":{"path":%s,"version":%s,"version_string":%s},' "$(json_str "$puppet")"   "$(json_str "${version_raw%% *}")" "$(json_str "$version_raw")"
printf '"os":{"kernel":%s,"release":%s,"arch":%s,"hostname":%s,"id":%s,"version":%s,"name":%s},'   "$(json_str "$(uname -s)")" "$(json_str "$(uname -r)")" "$(json_str "$(uname -m)")" "$(json_str "$(uname -n)")"   "$(json_str "$os_id")" "$(json_str "$os_version")" "$(json_str "$os_name")"
printf '"cert":%s,"ca":%s,"cert_issued_by_ca":%s,' "$(cert_or_null "$CFG_hostcert")" "$(cert_or_null "$CFG_localcacert")" "$issued"
printf '"clock":{"epoch":%s,"utc":%s},"root":%s,"user":%s,"disk":[%s]}\n' "$(date +%s)"   "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$root" "$(json_str "$(id -un)")" "$disk"
