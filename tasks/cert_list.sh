#!/bin/sh
# `puppet cert list --all` on the CA master, parsed: pending requests, signed, revoked and otherwise
# invalid certificates, each with its fingerprint (algorithm and value) and alt names. Read-only; it
# refuses to run where there is no CA, because any `puppet cert` command would create one.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param puppet ''
param ssldir ''
need_puppet "$puppet"
check_path ssldir ssldir "$ssldir"
need_ca "$ssldir"
puppet_cmd "$puppet" cert list --all
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
