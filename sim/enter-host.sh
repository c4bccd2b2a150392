#!/usr/bin/env bash
# enter-host.sh ROOT COMMAND [ARGS...]
# Run inside a fresh private mount namespace (`unshare -m --propagation private enter-host.sh ...`):
# bind-mounts ROOT/etc/puppetlabs, ROOT/opt/puppet and ROOT/var/opt/lib over /etc/puppetlabs,
# /opt/puppet and /var/opt/lib, then execs COMMAND, which so sees a simulated PE 3.7 host at its
# real paths. PE's /usr/local/bin/puppet symlink (ROOT/usr/local/bin) is laid over /usr/local/bin
# with a read-only overlay, so `puppet` is on the default PATH. The mount points must exist (empty) on the real system; nothing is mounted outside
# the namespace: the script refuses to run in its caller's namespace.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: enter-host.sh ROOT COMMAND [ARGS...]" >&2; exit 2; }
root="${1%/}"; shift
mine="$(readlink /proc/self/ns/mnt || true)"
callers="$(readlink "/proc/$PPID/ns/mnt" || true)"
if [ -z "$mine" ] || [ -z "$callers" ] || [ "$mine" = "$callers" ]; then
  echo "enter-host.sh: not in a private mount namespace; run it under 'unshare -m --propagation private'" >&2
  exit 1
fi
for dir in /etc/puppetlabs /opt/puppet /var/opt/lib; do
  [ -d "$root$dir" ] || { echo "enter-host.sh: $root$dir is missing (build the host with build-host.sh)" >&2; exit 1; }
  [ -d "$dir" ] || { echo "enter-host.sh: mount point $dir does not exist (create it empty, as root)" >&2; exit 1; }
  mount --bind "$root$dir" "$dir"
done
if [ -d "$root/usr/local/bin" ] && [ -d /usr/local/bin ]; then
  mount -t overlay overlay -o "lowerdir=$root/usr/local/bin:/usr/local/bin" /usr/local/bin ||
    echo "enter-host.sh: warning: no overlay on /usr/local/bin; use /opt/puppet/bin/puppet" >&2
fi
exec "$@"
