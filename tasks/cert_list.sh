#!/bin/sh
# `puppet cert list --all` on the CA master, parsed: pending requests, signed, revoked and otherwise
# invalid certificates, each with its fingerprint (algorithm and value) and alt names. Read-only; it
# refuses to run where there is no CA, because any `puppet cert` command would create one.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param_ca
need_ca "$cadir"
if [ "$ca_cli" = puppetserver-ca ]; then
  puppet_cmd "$ca_bin" ca list --all
  [ "$RC" -eq 0 ] || puppet_fail puppet-failed "'puppetserver ca list --all' failed: is puppetserver running (it answers the CA's API)?"
  # puppetserver ca prints a heading per state, then per certificate (tab-separated extras):
  #     NAME<padding> (SHA256)  FINGERPRINT[<TAB>alt names: ["DNS:a", "IP:b"]][<TAB>authorization extensions: [...]]
  printf '%s\n' "$OUT" | awk "$AWK_JSON"'
    function add(list, item) { out[list] = out[list] (out[list] == "" ? "" : ",") item }
    /^Requested Certificates:/ { state = "pending"; next }
    /^Signed Certificates:/ { state = "signed"; next }
    /^Revoked Certificates:/ { state = "revoked"; next }
    /^[A-Z]/ { state = ""; next }
    state != "" && match($0, /^    [^ ]+ +\(SHA256\)  [0-9A-Fa-f:]+/) {
      n = split($0, field, "\t"); split(field[1], w, " ")
      alts = ""
      for (i = 2; i <= n; i++) if (index(field[i], "alt names: [") == 1) {
        list = substr(field[i], 13); sub(/\]$/, "", list)
        k = split(list, a, /, /)
        for (j = 1; j <= k; j++) { gsub(/"/, "", a[j]); if (a[j] != "") alts = alts (alts == "" ? "" : ",") jstr(a[j]) }
      }
      add(state, "{\"name\":" jstr(w[1]) ",\"fingerprint\":{\"algorithm\":\"SHA256\",\"value\":" jstr(w[3]) "},\"alt_names\":[" alts "]}")
    }
    END { printf "{\"pending\":[%s],\"signed\":[%s],\"revoked\":[%s],\"invalid\":[]}\n", out["pending"], out["signed"], out["revoked"] }'
  exit 0
fi
ca_cmd list '' --all
[ "$RC" -eq 0 ] || puppet_fail puppet-failed "'puppet cert list --all' failed"
# Puppet 3.7 prints: GLYPH "NAME" (ALG) FINGERPRINT [(alt names: "DNS:a", "DNS:b")] [(REASON)]
# with GLYPH '+' signed, ' ' pending, '-' invalid (REASON "certificate revoked" for revoked ones).
printf '%s\n' "$OUT" | awk "$AWK_JSON"'
  function add(list, item) { out[list] = out[list] (out[list] == "" ? "" : ",") item }
  /^[ +-] "/ {
    glyph = substr($0, 1, 1); rest = substr($0, 4)
    name = substr(rest, 1, index(rest, "\"") - 1); rest = substr(rest, index(rest, "\"") + 1)
    sub(/^ +/, "", rest)
    alg = ""; fp = ""
    if (match(rest, /^\([A-Za-z0-9]+\) [0-9A-Fa-f:]+/)) {
      alg = substr(rest, 2, index(rest, ")") - 2); fp = substr(rest, index(rest, ")") + 2, RLENGTH - index(rest, ")") - 1)
      rest = substr(rest, RLENGTH + 1)
    }
    alts = ""; reason = ""
    if (match(rest, /\(alt names: [^)]*\)/)) {
      n = split(substr(rest, RSTART + 12, RLENGTH - 13), a, /, /)
      for (i = 1; i <= n; i++) { gsub(/"/, "", a[i]); alts = alts (i > 1 ? "," : "") jstr(a[i]) }
      rest = substr(rest, 1, RSTART - 1) substr(rest, RSTART + RLENGTH)
    }
    if (match(rest, /\(.*\)/)) reason = substr(rest, RSTART + 1, RLENGTH - 2)
    item = "{\"name\":" jstr(name) ",\"fingerprint\":{\"algorithm\":" jstr(alg) ",\"value\":" jstr(fp) "},\"alt_names\":[" alts "]"
    if (glyph == "+") add("signed", item "}")
    else if (glyph == " ") add("pending", item "}")
    else if (reason == "certificate revoked") add("revoked", item "}")
    else add("invalid", item ",\"reason\":" jstr(reason) "}")
  }
  END { printf "{\"pending\":[%s],\"signed\":[%s],\"revoked\":[%s],\"invalid\":[%s]}\n", out["pending"], out["signed"], out["revoked"], out["invalid"] }'
