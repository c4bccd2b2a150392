#!/usr/bin/env bash
# Lays out a simulated PE 3.7 host, as it stands *before* a certificate regeneration, under ROOT:
#   build-host.sh ROOT --role master|agent --certname NAME [--dns-alt-names a,b] [--network DIR]
#                 [--master NAME] [--keylength BITS] [--autosign] [--version V] [--pe-version V]
# A master gets puppet.conf, a CA, its certificate with alt names, the five pe-internal-* certs,
# the PuppetDB/PostgreSQL/console certificate copies of the procedure's Steps 2-4, all eight
# services running and a cached catalog. An agent submits its CSR to the master through the
# network directory, has it signed there, then runs once (cached catalog), services running.
# As root, files get PE's owners (run sim/create-users.sh first); otherwise the current user's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { echo "usage: build-host.sh ROOT --role master|agent --certname NAME [--dns-alt-names a,b] [--network DIR] [--master NAME] [--keylength BITS] [--autosign] [--version V] [--pe-version V]" >&2; exit 2; }

[ $# -ge 1 ] || usage
root="$1"; shift
role="" certname="" alts="" network="" master="" keylength="" autosign=false version="" pe_version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --role) role="$2"; shift 2 ;;
    --certname) certname="${2,,}"; shift 2 ;;
    --dns-alt-names | --dns_alt_names) alts="$2"; shift 2 ;;
    --network) network="$2"; shift 2 ;;
    --master) master="${2,,}"; shift 2 ;;
    --keylength) keylength="$2"; shift 2 ;;
    --autosign) autosign=true; shift ;;
    --version) version="$2"; shift 2 ;;
    --pe-version) pe_version="$2"; shift 2 ;;
    *) echo "build-host.sh: unknown option $1" >&2; usage ;;
  esac
done
case "$role" in master | agent) ;; *) echo "build-host.sh: --role must be master or agent" >&2; usage ;; esac
[ -n "$certname" ] || { echo "build-host.sh: --certname is required" >&2; usage; }
case "$root" in /*) ;; *) echo "build-host.sh: ROOT must be an absolute path (got '$root')" >&2; exit 2 ;; esac
[ "$root" != / ] || { echo "build-host.sh: refusing to build into /" >&2; exit 2; }
if [ "$role" = agent ] && { [ -z "$network" ] || [ -z "$master" ]; }; then
  echo "build-host.sh: an agent needs --network DIR and --master NAME (the master must be built first)" >&2; exit 2
fi
# REGEN_SIM_OWNERS=none (the demo sandbox): every file stays the caller's, even as root.
pe_owners() { [ "$EUID" = 0 ] && [ "${REGEN_SIM_OWNERS:-pe}" != none ]; }
if pe_owners && ! getent passwd pe-puppet >/dev/null; then
  echo "build-host.sh: the PE users do not exist; run sim/create-users.sh first (as root)" >&2; exit 1
fi
[ -z "$network" ] || network="$(mkdir -p "$network" && cd "$network" && pwd)"

own() { if pe_owners; then chown "$@"; fi; }
puppet() { "$root/opt/puppet/bin/puppet" "$@"; }

# ---- files every PE 3.7 host has ----
mkdir -p "$root/etc/puppetlabs/puppet" "$root/opt/puppet/bin" "$root/opt/puppet/lib/regen-sim" \
  "$root/var/opt/lib/pe-puppet" "$root/var/opt/lib/pe-sim/services"
install -m 0755 "$here/puppet" "$root/opt/puppet/bin/puppet"
mkdir -p "$root/usr/local/bin"
ln -sfn /opt/puppet/bin/puppet "$root/usr/local/bin/puppet" # as PE's installer does
install -m 0644 "$here"/lib/*.sh "$root/opt/puppet/lib/regen-sim/"
{
  echo "role=$role"
  echo "fqdn=$certname"
  [ -z "$network" ] || echo "network=$network"
  [ -z "$keylength" ] || echo "keylength=$keylength"
  [ -z "$version" ] || echo "version=$version"
  [ -z "$pe_version" ] || echo "pe_version=$pe_version"
  [ "${REGEN_SIM_OWNERS:-pe}" != none ] || echo "owners=none"
} >"$root/var/opt/lib/pe-sim/sim.conf"

server="$([ "$role" = master ] && echo "$certname" || echo "$master")"
{
  cat <<EOF
# Settings in [main] are used if a more specific section doesn't set a value.
[main]
    certname = $certname
    logdir = /var/log/pe-puppet
    rundir = /var/run/pe-puppet
    basemodulepath = /etc/puppetlabs/puppet/modules:/opt/puppet/share/puppet/modules
    environmentpath = /etc/puppetlabs/puppet/environments
    server = $server
    user  = pe-puppet
    group = pe-puppet
    archive_files = true
    archive_file_server = $server

EOF
  if [ "$role" = master ]; then
    cat <<EOF
# This section is used by the Puppet master and Puppet cert applications.
[master]
    certname = $certname
    dns_alt_names = $alts
    ca_name = 'Puppet CA generated on $certname at $(date -u '+%Y-%m-%d %H:%M:%S +0000')'
    reports = console,puppetdb
    node_terminus = classifier
    ssl_client_header = SSL_CLIENT_S_DN
    ssl_client_verify_header = SSL_CLIENT_VERIFY
    storeconfigs_backend = puppetdb
    storeconfigs = true
    autosign = $autosign

EOF
  fi
  cat <<EOF
# This section is used by the Puppet agent application.
[agent]
    report = true
    classfile = \$vardir/classes.txt
    localconfig = \$vardir/localconfig
    graph = true
    pluginsync = true
    environment = production
EOF
} >"$root/etc/puppetlabs/puppet/puppet.conf"
chmod 0644 "$root/etc/puppetlabs/puppet/puppet.conf"

if [ "$role" = master ]; then
  services=(pe-puppet pe-puppetserver pe-activemq pe-mcollective pe-puppetdb pe-postgresql pe-console-services pe-httpd)
else
  services=(pe-puppet pe-mcollective)
fi
for s in "${services[@]}"; do printf 'stopped\nenable=true\n' >"$root/var/opt/lib/pe-sim/services/$s"; done
set_running() { printf 'running\nenable=true\n' >"$root/var/opt/lib/pe-sim/services/$1"; }

register() { # the name the network resolves to this host's root
  [ -n "$network" ] || return 0
  mkdir -p "$network/hosts"
  printf '%s\n' "$root" >"$network/hosts/$1"
}

# cp as the procedure does it (root's umask), keeping the doc's file names.
copy_creds() { # NAME DESTDIR
  local ssl="$root/etc/puppetlabs/puppet/ssl"
  (umask 022
    cp "$ssl/certs/$1.pem" "$2/$1.cert.pem"
    cp "$ssl/public_keys/$1.pem" "$2/$1.public_key.pem"
    cp "$ssl/private_keys/$1.pem" "$2/$1.private_key.pem")
}

build_master() {
  local ssl="$root/etc/puppetlabs/puppet/ssl" alt a
  register "$certname"
  IFS=',' read -ra alt <<<"$alts"
  for a in "${alt[@]}"; do a="${a//[[:space:]]/}"; [ -z "$a" ] || register "${a,,}"; done
  for s in "${services[@]}"; do [ "$s" = pe-puppet ] || set_running "$s"; done

  # Step 2 as the installer left it: CA, master cert, pe-internal certs, CRL copy, owners.
  puppet cert list --all >/dev/null
  if [ -n "$alts" ]; then puppet cert generate "$certname" "--dns_alt_names=$alts" >/dev/null
  else puppet cert generate "$certname" >/dev/null; fi
  for n in pe-internal-classifier pe-internal-dashboard pe-internal-mcollective-servers \
    pe-internal-peadmin-mcollective-client pe-internal-puppet-console-mcollective-client; do
    puppet cert generate "$n" >/dev/null
  done
  (umask 022 && cp "$ssl/ca/ca_crl.pem" "$ssl/crl.pem")
  own -R pe-puppet:pe-puppet "$ssl"

  # Step 3: PuppetDB and PostgreSQL copies of the master's credentials.
  local pdb="$root/etc/puppetlabs/puppetdb/ssl" pg="$root/opt/puppet/var/lib/pgsql/9.2/data/certs"
  mkdir -p "$pdb" "$pg"
  chmod 0700 "$root/opt/puppet/var/lib/pgsql/9.2/data"
  own -R pe-postgres:pe-postgres "$root/opt/puppet/var/lib/pgsql"
  copy_creds "$certname" "$pdb"
  own -R pe-puppetdb:pe-puppetdb "$pdb"
  copy_creds "$certname" "$pg"
  chmod 400 "$pg"/*
  own pe-postgres:pe-postgres "$pg"/*

  # Step 4: console-services and puppet-dashboard credentials.
  local cs="$root/opt/puppet/share/console-services/certs" pd="$root/opt/puppet/share/puppet-dashboard/certs"
  mkdir -p "$cs" "$pd"
  copy_creds pe-internal-classifier "$cs"
  copy_creds "$certname" "$cs"
  copy_creds pe-internal-dashboard "$cs"
  own -R pe-console-services:pe-console-services "$cs"
  copy_creds "$certname" "$pd"
  copy_creds pe-internal-dashboard "$pd"
  own -R puppet-dashboard:puppet-dashboard "$pd"

  # Step 5: the agent on the master runs, caching its catalog.
  puppet agent --test >/dev/null || [ $? -eq 2 ] || { echo "build-host.sh: the master's puppet run failed" >&2; exit 1; }
  set_running pe-puppet
}

build_agent() {
  local mroot
  [ -f "$network/hosts/$master" ] || { echo "build-host.sh: master '$master' is not on the network $network" >&2; exit 1; }
  mroot="$(cat "$network/hosts/$master")"
  register "$certname"
  # Starting the agent submits its CSR; the master signs it; the next run fetches the cert.
  puppet resource service pe-puppet ensure=running >/dev/null
  if [ ! -f "$root/etc/puppetlabs/puppet/ssl/certs/$certname.pem" ]; then
    "$mroot/opt/puppet/bin/puppet" cert sign "$certname" >/dev/null
  fi
  puppet agent --test >/dev/null || [ $? -eq 2 ] || { echo "build-host.sh: the first puppet run of $certname failed" >&2; exit 1; }
  set_running pe-mcollective
}

"build_$role"
# Tests read the event log from here on: the host's history starts now.
: >"$root/var/opt/lib/pe-sim/events.log"
: >"$root/var/opt/lib/pe-sim/invocations.log"
echo "built $role $certname in $root"
