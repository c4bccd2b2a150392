# regen task library: manifests, archives and scratch space for the backup and restore tasks.
# Sourced after task.sh and json.sh.
#
# Sets on sourcing: MANIFEST_FORMAT (a manifest's first line), MANIFEST_COLUMNS (its column header line).
# Sets when called: scratch_init sets SCRATCH (the task's private temporary directory) and CLEANUP (what is
# removed when the task exits; cleanup_add adds to it).
# Functions: scratch_init, cleanup_add PATH, manifest_check_names PATH..., manifest_write OUT STRIP PATH...,
#   manifest_body FILE, manifest_paths FILE, manifest_compare A B IGNORE_OWNERS, archive_list_check ARCHIVE
#   BODY, free_bytes PATH (each described above its definition).
#
# A manifest is a TSV file: comment lines starting with '#' (format, creation time, host, archive, and one
# "# path<TAB>/abs/path" line per backed-up path), then one line per file, sorted bytewise:
#   path  type  mode  uid  gid  user  group  size  sha256  link
# type is find's %y (f file, d directory, l symlink...); mode is 4 octal digits; size and sha256 are for
# regular files only and link for symlinks only ('-' otherwise). Directory sizes and times are not recorded.
MANIFEST_FORMAT='# regen backup manifest v1'
MANIFEST_COLUMNS='# columns	path	type	mode	uid	gid	user	group	size	sha256	link'

# scratch_init: sets SCRATCH to a private temporary directory, removed when the task exits.
scratch_init() {
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/regen.XXXXXX") || fail command-failed "cannot create a temporary directory in ${TMPDIR:-/tmp}"
  CLEANUP="$SCRATCH"
  trap 'rm -rf -- $CLEANUP' EXIT
  trap 'exit 143' HUP INT TERM
}

# cleanup_add PATH: also remove PATH when the task exits.
cleanup_add() { CLEANUP="$CLEANUP$NL$1"; }

# manifest_check_names PATH...: refuse names and link targets holding a newline or a tab.
manifest_check_names() {
  _bad=$(find "$@" \( -name "*$NL*" -o -name "*$TAB*" -o -lname "*$NL*" -o -lname "*$TAB*" \) -print 2>/dev/null | head -n 1)
  [ -z "$_bad" ] || fail bad-param "a file name or link target under the backed-up paths holds a newline or tab; rename it first" "{\"near\":$(json_str "$_bad")}"
}

# manifest_write OUT STRIP PATH...: write the sorted manifest lines of every file under PATH... to OUT,
# with the prefix STRIP removed from each path (to compare an extracted copy with the original).
manifest_write() {
  _out=$1 _strip=$2
  shift 2
  find "$@" -printf 'E\t%y\t%m\t%U\t%G\t%u\t%g\t%s\t%l\t%p\n' >"$_out.find" 2>"$_out.err" ||
    fail command-failed "cannot list the files under $*: $(last_lines 3 "$(cat "$_out.err")")"
  find "$@" -type f -exec sha256sum -- {} + >"$_out.sum" 2>"$_out.err" ||
    fail command-failed "cannot checksum the files under $*: $(last_lines 3 "$(cat "$_out.err")")"
  awk -F '\t' -v strip="$_strip" '
    function unescape(s,   o, i, c) {
      o = ""
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\") { i++; c = substr(s, i, 1); if (c == "n") c = "\n" }
        o = o c
      }
      return o
    }
    FILENAME ~ /\.sum$/ {
      if (substr($0, 1, 1) == "\\") sum[unescape(substr($0, 68))] = substr($0, 2, 64)
      else sum[substr($0, 67)] = substr($0, 1, 64)
      next
    }
    $1 == "E" {
      n++; t[n] = $2; m = $3; while (length(m) < 4) m = "0" m
      p[n] = $10; meta[n] = $2 "\t" m "\t" $4 "\t" $5 "\t" $6 "\t" $7
      size[n] = ($2 == "f") ? $8 : "-"; link[n] = ($2 == "l") ? $9 : "-"
    }
    END {
      for (i = 1; i <= n; i++) {
        s = (t[i] == "f") ? ((p[i] in sum) ? sum[p[i]] : "?") : "-"
        path = p[i]
        if (strip != "" && index(path, strip) == 1) path = substr(path, length(strip) + 1)
        print path "\t" meta[i] "\t" size[i] "\t" s "\t" link[i]
      }
    }' "$_out.sum" "$_out.find" | sort >"$_out" || fail command-failed "cannot build the manifest $_out"
  rm -f -- "$_out.find" "$_out.sum" "$_out.err"
}

# manifest_body FILE: the file lines of a manifest; manifest_paths FILE: its backed-up paths.
manifest_body() { grep -v '^#' "$1"; }
manifest_paths() { sed -n "s/^# path$TAB//p" "$1"; }

# manifest_compare A B IGNORE_OWNERS: print the lines that differ ("-" only in A, "+" only in B), at most
# 20; return 1 when they differ. With IGNORE_OWNERS=true the uid, gid, user and group columns are ignored.
manifest_compare() {
  if [ "$3" = true ]; then
    cut -f 1-3,8- "$1" >"$1.cmp"
    cut -f 1-3,8- "$2" >"$2.cmp"
  else
    cp "$1" "$1.cmp" && cp "$2" "$2.cmp"
  fi
  comm -3 "$1.cmp" "$2.cmp" | sed -e "s/^$TAB/+ /" -e t -e 's/^/- /' | head -n 20 >"$1.diff"
  [ ! -s "$1.diff" ]
}

# archive_list_check ARCHIVE BODY: the archive's members must be exactly the paths of the manifest BODY.
archive_list_check() {
  tar -tzf "$1" --quoting-style=literal >"$2.list" 2>"$2.err" ||
    fail verify-failed "cannot list the archive $1: $(last_lines 3 "$(cat "$2.err")")" "{\"archive\":$(json_str "$1")}"
  sed 's|/$||; s|^|/|' "$2.list" | sort >"$2.members"
  cut -f 1 "$2" >"$2.paths"
  cmp -s "$2.members" "$2.paths" ||
    fail verify-failed "the archive $1 does not hold exactly the files of its manifest" \
      "{\"archive\":$(json_str "$1"),\"differences\":$(comm -3 "$2.members" "$2.paths" | head -n 20 | json_lines)}"
}

# free_bytes PATH: bytes available to root on the filesystem holding PATH (or its nearest existing parent).
free_bytes() {
  _f=$1
  while [ ! -e "$_f" ]; do _f=${_f%/*}; [ -n "$_f" ] || _f=/; done
  _kb=$(df -Pk -- "$_f" 2>/dev/null | awk 'NR == 2 { print $4 }')
  case $_kb in '' | *[!0-9]*) printf '%s' -1 ;; *) printf '%s' $((_kb * 1024)) ;; esac
}
