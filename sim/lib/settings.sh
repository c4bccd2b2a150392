# Puppet 3.7 settings as PE 3.7 ships them: defaults, puppet.conf sections, $var interpolation,
# command-line overrides and `puppet config print`. Values are host paths; they are mapped
# under SIM_ROOT when printed or used, so the no-root sandbox sees its own tree.

declare -A PCONF=()  # "section/key" -> value from puppet.conf
declare -A PCLI=()   # --key value given on the command line
declare -A PDEFAULT=()
RUN_SECTION=main     # the section the current application reads: main, agent, master or user

while IFS='=' read -r _k _v; do
  [ -n "$_k" ] && PDEFAULT[$_k]="$_v"
done <<'EOF'
confdir=/etc/puppetlabs/puppet
config=$confdir/puppet.conf
vardir=/var/opt/lib/pe-puppet
logdir=/var/log/pe-puppet
rundir=/var/run/pe-puppet
color=ansi
statedir=$vardir/state
libdir=$vardir/lib
client_datadir=$vardir/client_data
clientbucketdir=$vardir/clientbucket
clientyamldir=$vardir/client_yaml
lastrunfile=$statedir/last_run_summary.yaml
lastrunreport=$statedir/last_run_report.yaml
agent_catalog_run_lockfile=$statedir/agent_catalog_run.lock
ssldir=$confdir/ssl
certdir=$ssldir/certs
publickeydir=$ssldir/public_keys
privatekeydir=$ssldir/private_keys
requestdir=$ssldir/certificate_requests
privatedir=$ssldir/private
passfile=$privatedir/password
hostcert=$certdir/$certname.pem
hostprivkey=$privatekeydir/$certname.pem
hostpubkey=$publickeydir/$certname.pem
hostcsr=$ssldir/csr_$certname.pem
localcacert=$certdir/ca.pem
hostcrl=$ssldir/crl.pem
cadir=$ssldir/ca
cacert=$cadir/ca_crt.pem
cakey=$cadir/ca_key.pem
capub=$cadir/ca_pub.pem
cacrl=$cadir/ca_crl.pem
caprivatedir=$cadir/private
capass=$caprivatedir/ca.pass
csrdir=$cadir/requests
signeddir=$cadir/signed
serial=$cadir/serial
cert_inventory=$cadir/inventory.txt
ca_name=Puppet CA: $certname
ca_ttl=157680000
ca=true
keylength=4096
req_bits=4096
dns_alt_names=
server=puppet
ca_server=$server
masterport=8140
ca_port=$masterport
certificate_revocation=true
autosign=$confdir/autosign.conf
allow_duplicate_certs=false
environment=production
runinterval=1800
waitforcert=120
user=puppet
group=puppet
EOF
unset _k _v

settings_load() {
  local file="$SIM_ROOT/etc/puppetlabs/puppet/puppet.conf" section=main line key value
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in '' | '#'* | ';'*) continue ;; esac
    if [[ "$line" =~ ^\[([a-zA-Z_]+)\] ]]; then section="${BASH_REMATCH[1]}"; continue; fi
    [[ "$line" == *=* ]] || continue
    key="${line%%=*}"; key="${key//[[:space:]]/}"
    value="${line#*=}"
    value="${value%%\{*}" # drop Puppet's "{ owner = ..., mode = ... }" file metadata
    value="${value#"${value%%[![:space:]]*}"}"; value="${value%"${value##*[![:space:]]}"}"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    PCONF[$section/$key]="$value"
  done <"$file"
}

declare -A SCACHE=()  # "section/key" -> resolved host value

setting_known() {
  [ -n "${PDEFAULT[$1]+x}" ] || [ -n "${PCLI[$1]+x}" ] || [ -n "${PCONF[main/$1]+x}" ] ||
    [ -n "${PCONF[$RUN_SECTION/$1]+x}" ] || [ "$1" = certname ]
}

# REPLY = the value as written (CLI, then the run section, then [main], then the default).
_setting_raw() {
  local key="$1"
  if [ -n "${PCLI[$key]+x}" ]; then REPLY="${PCLI[$key]}"
  elif [ -n "${PCONF[$RUN_SECTION/$key]+x}" ]; then REPLY="${PCONF[$RUN_SECTION/$key]}"
  elif [ -n "${PCONF[main/$key]+x}" ]; then REPLY="${PCONF[main/$key]}"
  elif [ "$key" = certname ]; then sim_fqdn
  else REPLY="${PDEFAULT[$key]-}"; fi
}

sim_fqdn() {
  sim_conf_get fqdn
  [ -n "$REPLY" ] || REPLY="$(hostname -f 2>/dev/null || hostname)"
  REPLY="${REPLY,,}"
}

# REPLY = the value as the simulated host sees it (host paths, $vars expanded).
setting_host_get() {
  local key="$1" value pattern depth=0
  if [ -n "${SCACHE[$RUN_SECTION/$key]+x}" ]; then REPLY="${SCACHE[$RUN_SECTION/$key]}"; return; fi
  _setting_raw "$key"; value="$REPLY"
  while [[ "$value" =~ \$\{?([a-z_]+)\}? ]] && [ "$depth" -lt 20 ]; do
    pattern="${BASH_REMATCH[0]}"
    _setting_raw "${BASH_REMATCH[1]}"
    value="${value/"$pattern"/"$REPLY"}"
    depth=$((depth + 1))
  done
  SCACHE[$RUN_SECTION/$key]="$value"
  REPLY="$value"
}

# REPLY = the value to use here: host paths mapped under SIM_ROOT.
setting_get() {
  setting_host_get "$1"
  case "$REPLY" in /*) REPLY="$SIM_ROOT$REPLY" ;; esac
}
setting() { setting_get "$1"; printf '%s' "$REPLY"; }
setting_host() { setting_host_get "$1"; printf '%s' "$REPLY"; }

# `--name value`, `--name=value`, `--no-name` for any known setting; returns how many args it used.
setting_cli_arg() {
  local arg="$1" next="${2-}" name
  case "$arg" in
    --no-*) name="${arg#--no-}"; name="${name//-/_}"; setting_known "$name" || return 1; PCLI[$name]=false; SCACHE=(); return 0 ;;
    --*=*) name="${arg%%=*}"; name="${name#--}"; name="${name//-/_}"
      setting_known "$name" || return 1; PCLI[$name]="${arg#*=}"; SCACHE=(); return 0 ;;
    --*) name="${arg#--}"; name="${name//-/_}"; setting_known "$name" || return 1
      PCLI[$name]="$next"; SCACHE=(); return 2 ;;
  esac
  return 1
}

# puppet config print [--section S] KEY...  (Puppet 3.7 reads [main] unless told otherwise)
config_print() {
  local keys=() key
  while [ $# -gt 0 ]; do
    case "$1" in
      --section) RUN_SECTION="$2"; shift 2 ;;
      --section=*) RUN_SECTION="${1#*=}"; shift ;;
      --*)  # a global option such as --color=false, not a key to print
        local used=0; setting_cli_arg "$@" || used=$?
        case $used in 0) shift ;; 2) shift 2 ;; *) echo "Error: Could not parse application options: invalid option: $1" >&2; return 1 ;; esac ;;
      *) keys+=("$1"); shift ;;
    esac
  done
  if [ ${#keys[@]} -eq 0 ] || [ "${keys[*]}" = all ]; then
    mapfile -t keys < <(printf '%s\n' "${!PDEFAULT[@]}" certname | LC_ALL=C sort -u)
    for key in "${keys[@]}"; do setting_get "$key"; printf '%s = %s\n' "$key" "$REPLY"; done
  elif [ ${#keys[@]} -eq 1 ]; then
    setting_get "${keys[0]}"; printf '%s\n' "$REPLY"
  else
    for key in "${keys[@]}"; do setting_get "$key"; printf '%s = %s\n' "$key" "$REPLY"; done
  fi
}
