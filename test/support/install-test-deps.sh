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

if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "regen tests need these Debian packages: ${need_pkgs[*]}" >&2
    echo "Install them as root: apt-get install -y ${need_pkgs[*]}" >&2
    exit 1
  fi
  echo "Installing test dependencies: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || echo "apt-get update failed; trying the install from the current package lists" >&2
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "regen tests start sshd, create test users and use mount namespaces: run them as root (as CI does)." >&2
  exit 1
fi
