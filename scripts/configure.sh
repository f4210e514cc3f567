#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# configure.sh TREE OBJ [VARIANT]: tinyconfig (for $ARCH, default x86_64,
# with $CROSS_COMPILE) plus, for x86, configs/guest.config, and
# configs/VARIANT.config if there is one (configs/bench.config for every
# bench-* variant), in OBJ; redone only when a fragment changed. Fails if
# any option a fragment asks for did not survive olddefconfig (a typo, or a
# dependency we missed), except, in an upstream variant, our own options
# (*STEAL_TIME*), which that tree does not have.
set -euo pipefail
tree=$1
obj=$2
variant=${3:-product}
top=$(cd "$(dirname "$0")/.." && pwd)
# The x86 guest's fragment, under every x86 variant's own; another
# architecture's variant has a whole fragment of its own.
case ${ARCH:-x86_64} in
x86_64 | i386) frags=("$top/configs/guest.config") ;;
*) frags=() ;;
esac
# upstream-ARCH: the untouched base with ARCH's variant's configuration.
[ -f "$top/configs/${variant#upstream-}.config" ] && frags+=("$top/configs/${variant#upstream-}.config")
# The benchmark's kernels, ours and upstream's, share one fragment.
case $variant in bench-*) frags+=("$top/configs/bench.config") ;; esac
kmake=(make -s -C "$tree" O="$obj" ARCH="${ARCH:-x86_64}" CROSS_COMPILE="${CROSS_COMPILE:-}")

# Fresh if made from these same fragments, none changed since.
fresh=true
[ "$(cat "$obj/.config-stamp" 2>/dev/null)" = "${frags[*]}" ] || fresh=false
for f in "${frags[@]}"; do
	[ "$obj/.config-stamp" -nt "$f" ] || fresh=false
done
if [ -f "$obj/.config" ] && $fresh; then
	exit 0
fi
echo "  CONFIG  tinyconfig + ${frags[*]#"$top/"} -> $obj/.config"
mkdir -p "$obj"
"${kmake[@]}" tinyconfig >/dev/null
(cd "$obj" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" .config "${frags[@]}" >/dev/null)
"${kmake[@]}" olddefconfig >/dev/null

# What the fragments ask for, the last one's word for each option: "is not
# set" lines take an option back, and are not checked.
missing=0
while read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	case $variant:$line in *upstream*:CONFIG_*STEAL_TIME*) continue ;; esac
	grep -qx "$line" "$obj/.config" || {
		echo "config: wanted $line, got: $(grep "^${line%%=*}=" "$obj/.config" || echo unset)" >&2
		missing=1
	}
done < <(cat "${frags[@]}" | sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1=/p; /^CONFIG_/p' |
	 tac | awk -F= '!seen[$1]++' | grep -v '=$')
[ $missing = 0 ] || exit 1
echo "${frags[*]}" > "$obj/.config-stamp"
