#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series.sh OUT: write each series as a kernel developer takes it, with
# git format-patch, in OUT/NAME/ (NAME: steal-time for patches/series,
# cgroup for patches/cgroup/series, which applies on top of it): a cover
# letter and one mail per patch, in which each patch carries both its
# edits to upstream files and the files of ours that its series file
# lists under it. patches/ and our files stay the one source: this only
# assembles them, on a scratch repository holding the pristine base's
# copy of every file the series touch. Each cover letter's text is the
# series' cover-letter file; the benchmark's tables (bench/results-*.md)
# are appended to the steal time series' one.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
base=${KSRC:-$top/build/base/linux}
[ -f "$base/Makefile" ] || { echo "series: no base tree at $base (run make first)" >&2; exit 1; }
ver=$(make -s -C "$base" kernelversion)

mapfile -t series < <("$top/scripts/series-list")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/linux
mkdir -p "$repo"

# The author of every patch: the maintainer the series adds to MAINTAINERS.
ident=$(sed -n '/^+++ b\/MAINTAINERS/,$s/^+M:[[:space:]]*//p' "${series[@]}" | head -n 1)
export GIT_AUTHOR_NAME=${ident% <*} GIT_AUTHOR_EMAIL=${ident##*<}
GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL%>}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
# The same mails for the same sources: dated by our last commit.
date=$(git -C "$top" log -1 --format=%cI 2>/dev/null || date -Iseconds)
export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date
g() { git -C "$repo" -c core.autocrlf=false -c commit.gpgsign=false "$@"; }

for f in $(sed -n 's|^diff --git a/\([^[:space:]]*\) .*|\1|p' "${series[@]}" | sort -u); do
	[ -e "$base/$f" ] || continue
	mkdir -p "$repo/$(dirname "$f")"
	cp "$base/$f" "$repo/$f"
done
g init -q
g add -A
g commit -q -m "Linux $ver: the files the series touches"
g tag base

commit_patch() {
	local p=$1 name
	name=$(basename "$p")
	g apply --index "$p"
	"$top/scripts/series-list" --files | awk -v p="$name" '$1 == p { print $2 }' |
		while read -r f; do
			mkdir -p "$repo/$(dirname "$f")"
			cp "$top/$f" "$repo/$f"
			g add "$f"
		done
	# The mail's subject and description, up to the "---" line.
	{
		sed -n 's/^Subject: \(\[PATCH\] \)\{0,1\}//p' "$p" | head -n 1
		echo
		sed -n '/^Subject:/,/^---$/p' "$p" | sed '1d;$d' | sed '/./,$!d'
	} > "$work/msg"
	g commit -q -s -F "$work/msg"
}

# cover_letter DIR SET: the cover letter of the series in SET, in DIR.
cover_letter() {
	local cover=$1/0000-cover-letter.patch set=$2 subject
	subject=$(head -n 1 "$set/cover-letter")
	{
		sed -n '2,$p' "$set/cover-letter" | sed '1{/^$/d}'
		if [ "$set" = "$top/patches" ]; then
			for r in "$top"/bench/results-*.md; do
				[ -f "$r" ] || continue
				echo
				echo "make bench, $(basename "$r"):"
				echo
				sed -e '/^!\[/d' -e 's/^/  /' "$r"
			done
		fi
		echo
	} > "$work/blurb"
	python3 - "$cover" "$subject" "$work/blurb" <<'PY'
import sys
path, subject, blurb = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
text = open(path).read()
text = text.replace('*** SUBJECT HERE ***', subject, 1)
text = text.replace('*** BLURB HERE ***\n', blurb, 1)
open(path, 'w').write(text)
PY
}

rm -rf "$out"
from=base
for set in $("$top/scripts/series-list" --sets); do
	name=steal-time
	[ "$set" = "$top/patches" ] || name=$(basename "$set")
	mapfile -t patches < <("$top/scripts/series-list" "$set")
	for p in "${patches[@]}"; do
		commit_patch "$p"
	done
	# Whom the series is for: the set's "recipients" file, "To: ..."
	# and "Cc: ..." lines.
	to=()
	while read -r field who; do
		case $field in
		To:) to+=("--to=$who") ;;
		Cc:) to+=("--cc=$who") ;;
		esac
	done < <(cat "$set/recipients" 2>/dev/null)
	mkdir -p "$out/$name"
	g format-patch -q --cover-letter --thread=shallow "${to[@]}" -o "$out/$name" "$from..HEAD"
	cover_letter "$out/$name" "$set"
	g tag "$name"
	from=$name
	echo "$out/$name:"
	ls "$out/$name"
done
