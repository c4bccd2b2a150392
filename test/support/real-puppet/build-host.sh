#!/usr/bin/env bash
# Lays out the private state of one Debian Puppet 7 test host under ROOT (see enter-host.sh):
#   build-host.sh ROOT --role server|agent --certname NAME --server-ip IP --server-names a,b,...
#                 [--dns-alt-names a,b] [--java-args ARGS]
# Both roles get puppet.conf ([main] certname and server = the first of --server-names) and an
# /etc/hosts resolving every server name to IP. A server also gets puppetserver's configuration
# (listening on IP:8140, TLS 1.2 only), dns_alt_names, a production environment whose catalog
# writes /var/cache/puppet/regen-catalog, the init script and JVM settings. No CA, no
# certificate: the site creates those with the real commands. Run as root (needs user puppet).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { echo "usage: build-host.sh ROOT --role server|agent --certname NAME --server-ip IP --server-names a,b [--dns-alt-names a,b] [--java-args ARGS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
root="${1%/}"; shift
role="" certname="" server_ip="" server_names="" alts="" java_args="-Xms256m -Xmx768m"
while [ $# -gt 0 ]; do
  case "$1" in
    --role) role="$2"; shift 2 ;;
    --certname) certname="$2"; shift 2 ;;
    --server-ip) server_ip="$2"; shift 2 ;;
    --server-names) server_names="$2"; shift 2 ;;
    --dns-alt-names) alts="$2"; shift 2 ;;
    --java-args) java_args="$2"; shift 2 ;;
    *) echo "build-host.sh: unknown option $1" >&2; usage ;;
  esac
done
case "$role" in server | agent) ;; *) echo "build-host.sh: --role must be server or agent" >&2; usage ;; esac
[ -n "$certname" ] && [ -n "$server_ip" ] && [ -n "$server_names" ] || usage
case "$root" in /?*) ;; *) echo "build-host.sh: ROOT must be an absolute path other than / (got '$root')" >&2; exit 2 ;; esac
getent passwd puppet >/dev/null || { echo "build-host.sh: user puppet is missing: install puppet-agent (test/support/install-test-deps.sh)" >&2; exit 1; }
. "$here/paths.sh"

# Owners and modes as Debian's packages leave them.
dir() { install -d -o "$1" -g "$2" -m "$3" "$root$4"; }
dir root root 0755 /etc/puppet
dir root root 0755 /etc/puppet/code
dir puppet puppet 0750 /var/lib/puppet
dir puppet puppet 0750 /var/lib/puppet/ssl
dir puppet puppet 0751 /var/cache/puppet
dir puppet puppet 0750 /var/cache/puppet/devices
dir puppet puppet 0755 /var/cache/puppet/public
dir puppet puppet 0750 /var/cache/puppet/state
dir puppet puppet 0750 /var/log/puppet
dir puppet puppet 0750 /var/lib/puppetserver
dir root root 0755 /var/lib/puppetserver/jruby-gems
dir puppet puppet 0750 /var/log/puppetserver
dir puppet puppet 0755 /run/puppet
dir puppet puppet 0755 /run/puppetserver
dir root root 0700 /var/lib/regen
dir root root 0755 /etc/init.d
dir root root 0755 /etc/default
for d in "${PRIVATE_DIRS[@]}"; do [ -d "$root$d" ] || { echo "build-host.sh: $d not laid out" >&2; exit 1; }; done
install -m 0644 /etc/puppet/hiera.yaml "$root/etc/puppet/hiera.yaml"

first_name="${server_names%%,*}"
{
  echo "127.0.0.1 localhost"
  echo "$server_ip ${server_names//,/ }"
} >"$root/etc/hosts"
chmod 0644 "$root/etc/hosts"

{
  echo "[main]"
  echo "certname = $certname"
  echo "server = $first_name"
  if [ "$role" = server ]; then
    echo
    echo "[server]"
    [ -z "$alts" ] || echo "dns_alt_names = $alts"
  fi
} >"$root/etc/puppet/puppet.conf"
chmod 0644 "$root/etc/puppet/puppet.conf"

[ "$role" = server ] || exit 0

# puppetserver's configuration: the package's files, then the test site's changes.
cp -a /etc/puppet/puppetserver "$root/etc/puppet/"
sed -i -e "s/^\( *ssl-host:\).*/\1 $server_ip/" "$root/etc/puppet/puppetserver/conf.d/webserver.conf"
# Ruby's keep-alive over TLS 1.3 against this Jetty stalls 30 s at random: TLS 1.2 only.
sed -i -e 's/^\( *ssl-port:.*\)$/\1\n    ssl-protocols: [TLSv1.2]/' "$root/etc/puppet/puppetserver/conf.d/webserver.conf"
grep -q "ssl-host: $server_ip" "$root/etc/puppet/puppetserver/conf.d/webserver.conf" || { echo "build-host.sh: could not set ssl-host in webserver.conf" >&2; exit 1; }

env="$root/etc/puppet/code/environments/production"
mkdir -p "$env/manifests"
cat >"$env/manifests/site.pp" <<'EOF'
node default {
  file { '/var/cache/puppet/regen-catalog':
    content => "${trusted['certname']} compiled by ${server_facts['servername']}\n",
  }
}
EOF

install -m 0755 "$here/puppetserver.init" "$root/etc/init.d/puppetserver"
sed -e "s|^JAVA_ARGS=.*|JAVA_ARGS=\"$java_args -Djruby.logger.class=com.puppetlabs.jruby_utils.jruby.Slf4jLogger\"|" \
  /etc/default/puppetserver >"$root/etc/default/puppetserver"
grep -q "^JAVA_ARGS=\"$java_args" "$root/etc/default/puppetserver" || { echo "build-host.sh: could not set JAVA_ARGS" >&2; exit 1; }
