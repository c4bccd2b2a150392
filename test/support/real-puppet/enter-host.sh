#!/usr/bin/env bash
# enter-host.sh ROOT HOSTNAME COMMAND [ARGS...]
# Run as `unshare --mount --uts --propagation private enter-host.sh ...`: makes this namespace a
# Debian Puppet 7 host whose state lives under ROOT (built by build-host.sh), then execs COMMAND.
# Every directory Puppet and puppetserver write is bind-mounted from ROOT over its real path;
# /etc/hosts comes from ROOT (the server's names); /etc/init.d and /etc/default are read-only
# overlays adding ROOT's puppetserver init script and JVM settings. The hostname is HOSTNAME.
# Refuses to run in its caller's namespace, so nothing is ever mounted on the real system.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: enter-host.sh ROOT HOSTNAME COMMAND [ARGS...]" >&2; exit 2; }
root="${1%/}" name="$2"; shift 2
mine="$(readlink /proc/self/ns/mnt || true)"
callers="$(readlink "/proc/$PPID/ns/mnt" || true)"
if [ -z "$mine" ] || [ -z "$callers" ] || [ "$mine" = "$callers" ]; then
  echo "enter-host.sh: not in a private mount namespace; run it under 'unshare --mount --uts --propagation private'" >&2
  exit 1
fi
. "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
for dir in "${PRIVATE_DIRS[@]}"; do
  [ -d "$root$dir" ] || { echo "enter-host.sh: $root$dir is missing (build the host with build-host.sh)" >&2; exit 1; }
  mkdir -p "$dir"
  mount --bind "$root$dir" "$dir"
done
mount --bind "$root/etc/hosts" /etc/hosts
for dir in /etc/init.d /etc/default; do
  mount -t overlay overlay -o "lowerdir=$root$dir:$dir" "$dir"
done
hostname "$name"
exec "$@"
