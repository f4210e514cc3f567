#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# configure.sh TREE OBJ: tinyconfig plus configs/guest.config in OBJ, redone
# only when the fragment changed. Fails if any option the fragment asks for
# did not survive olddefconfig (a typo, or a dependency we missed).
set -euo pipefail
tree=$1
obj=$2
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
	case $line in
	CONFIG_*=*)
		grep -qx "$line" "$obj/.config" || { echo "config: wanted $line, got: $(grep "^${line%%=*}=" "$obj/.config" || echo unset)" >&2; missing=1; }
		;;
	esac
done < "$frag"
[ $missing = 0 ] || exit 1
touch "$obj/.config-stamp"
