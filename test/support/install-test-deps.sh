#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine, or says clearly what is missing.
# The integration and end-to-end tests start their own sshd on loopback, create test users,
# use sudo and mount namespaces: they need root (CI runs as root).
set -euo pipefail

need_pkgs=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need_pkgs+=(openssh-client)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
command -v sudo >/dev/null 2>&1 || need_pkgs+=(sudo)
command -v unshare >/dev/null 2>&1 || need_pkgs+=(util-linux)
# The POSIX task library is tested under both awks a target may have: mawk (Debian) and gawk (RHEL).
command -v gawk >/dev/null 2>&1 || need_pkgs+=(gawk)
command -v ps >/dev/null 2>&1 || need_pkgs+=(procps)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import winrm' >/dev/null 2>&1 || need_pkgs+=(python3-winrm)
# The real-Puppet tests (test/e2e/real-puppet.test.ts): Debian's Puppet 7 server and agent, and curl.
[ -x /usr/bin/puppetserver ] || need_pkgs+=(puppetserver)
[ -x /usr/bin/puppet ] || need_pkgs+=(puppet-agent)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)

if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "regen tests need these Debian packages: ${need_pkgs[*]}" >&2
    echo "Install them as root: apt-get install -y ${need_pkgs[*]}" >&2
    exit 1
  fi
  echo "Installing test dependencies: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || echo "apt-get update failed; trying the install from the current package lists" >&2
  # Packages must not start their services here (puppetserver would hold 1 GiB and port 8140): a
  # policy-rc.d that refuses every start, for the length of the install.
  policy=/usr/sbin/policy-rc.d
  had_policy=false
  [ -e "$policy" ] && had_policy=true
  "$had_policy" || { printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy"; }
  status=0
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null || status=$?
  "$had_policy" || rm -f "$policy"
  [ "$status" -eq 0 ] || { echo "apt-get install ${need_pkgs[*]} failed (exit $status)" >&2; exit "$status"; }
fi
# A puppetserver or puppet agent started outside the tests (by an install without the policy above)
# would hold port 8140 on every address and eat a core: the tests start their own, in namespaces.
if pgrep -f 'puppetserver.jar|puppet agent' >/dev/null 2>&1; then
  for pid in $(pgrep -f 'puppetserver.jar|puppet agent'); do
    [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$(readlink /proc/self/ns/mnt)" ] && kill "$pid" 2>/dev/null || true
  done
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "regen tests start sshd, create test users and use mount namespaces: run them as root (as CI does)." >&2
  exit 1
fi
