# Sourced by build-host.sh and enter-host.sh: the directories Debian's puppet-agent and
# puppetserver write, each private to a test host (ROOT$dir is bind-mounted over $dir).
# shellcheck disable=SC2034
PRIVATE_DIRS=(/etc/puppet /var/lib/puppet /var/cache/puppet /var/log/puppet /var/lib/puppetserver
  /var/log/puppetserver /run/puppet /run/puppetserver /var/lib/regen)
