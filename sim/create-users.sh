#!/usr/bin/env bash
# Creates the system users and groups of a PE 3.7 monolithic master (idempotent, root only),
# so the simulated hosts can give files their real owners.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "create-users.sh must run as root (it adds system users); the no-root demo does not need it." >&2
  exit 1
fi

users=(pe-puppet pe-puppetdb pe-postgres pe-console-services puppet-dashboard pe-activemq pe-memcached pe-mcollective)

create() {
  local name
  for name in "${users[@]}"; do
    getent group "$name" >/dev/null || groupadd --system "$name"
    getent passwd "$name" >/dev/null ||
      useradd --system --gid "$name" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$name"
  done
}

# Parallel test workers may call this at once; useradd itself does not wait for its lock.
exec 9>>/run/regen-sim-create-users.lock
flock -w 60 9
create
