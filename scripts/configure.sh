#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# configure.sh TREE OBJ [VARIANT]: tinyconfig plus configs/guest.config in
# OBJ, redone only when the fragment changed. Fails if any option the
# fragment asks for did not survive olddefconfig (a typo, or a dependency we
# missed), except, in an upstream variant, our own options (*STEAL_TIME*),
# which that tree does not have.
set -euo pipefail
tree=$1
obj=$2
variant=${3:-product}
top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/configs/guest.config
kmake=(make -s -C "$tree" O="$obj" ARCH=x86_64)

if [ -f "$obj/.config" ] && [ "$obj/.config-stamp" -nt "$frag" ]; then
	exit 0
fi
echo "  CONFIG  tinyconfig + configs/guest.config -> $obj/.config"
mkdir -p "$obj"
"${kmake[@]}" tinyconfig >/dev/null
(cd "$obj" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" .config "$frag" >/dev/null)
"${kmake[@]}" olddefconfig >/dev/null

missing=0
while read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	case $variant:$line in *upstream*:CONFIG_*STEAL_TIME*) continue ;; esac
	grep -qx "$line" "$obj/.config" || {
		echo "config: wanted $line, got: $(grep "^${line%%=*}=" "$obj/.config" || echo unset)" >&2
		missing=1
	}
done < "$frag"
[ $missing = 0 ] || exit 1
touch "$obj/.config-stamp"
