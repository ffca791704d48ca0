#!/bin/sh
# tests/run.sh — the README's two commands, on a fresh Debian 12, as root:
#     sh tests/run.sh demo     the main job (a court records, signs, exports, verifies)
#     sh tests/run.sh check    every test, then every test again under ASan+UBSan
# Installs what it needs from Debian's packages first, then runs make.
# chromium and fonts-noto-cjk are for tests/functional/test_dashboard.py:
# headless chromium renders the dashboard (Chinese) and screenshots it.
# clang (with its libFuzzer runtime) builds the fuzzers of tests/fuzz.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential pkg-config libsqlite3-dev libssl-dev libmsgpack-dev
libcurl4-openssl-dev libevent-dev python3 python3-pytest python3-msgpack
python3-cryptography sqlite3 openssl curl ca-certificates
chromium fonts-noto-cjk fontconfig clang"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing from Debian:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "tests/run.sh: these packages are missing and installing them needs root:$missing" >&2
		exit 3
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

case "${1:-}" in
demo)	make -j2 all && exec sh tests/demo/city.sh build/courtsync ;;
check)	make -j2 all && exec make check ;;
*)	echo "usage: sh tests/run.sh demo|check" >&2; exit 2 ;;
esac
