#!/bin/sh
# tests/demo/court.sh BIN — the main job, for one court (issue 2's demo):
# 武都区人民法院 records cases by hand and imports half a year of them,
# signs its log, exports it, an auditor verifies it, a tampered copy is
# rejected with the bad entry named, and the tables are proven to be the
# fold of the log.  Output and the court's home go to demo-out/ (or $DEMO_DIR).
set -eu
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${DEMO_DIR:-$(pwd)/demo-out}
HOME_DIR=$OUT/wudu
# Every entry records this time (2024-06-30 20:00 CST) so the demo's tree
# root is the same on every run: the log depends only on the events.
export COURTSYNC_TIME=1719748800
CASE='(2024)甘1202执9001号'

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ courtsync %s\n' "$*"; "$BIN" -C "$HOME_DIR" "$@"; }

start=$(date +%s.%N)
rm -rf "$OUT"
mkdir -p "$OUT"

say "1. A court's node: 武都区人民法院 (甘1202), level 4, under 陇南中院"
run init --path cn/gs/ln/wudu --name 武都区人民法院 --code 甘1202 --level 4
ls -l "$HOME_DIR"

say "2. Recording a case by hand, event by event"
run file --case "$CASE" --date 2024-03-01 --applicant 陇南恒通建材有限公司 \
	--respondent 王某 --claimed 86500.00
run assign --case "$CASE" --date 2024-03-02 --handler 李法官 --team 快执团队
run node --case "$CASE" --date 2024-03-02 --node online_search
run node --case "$CASE" --date 2024-03-05 --node notice
run node --case "$CASE" --date 2024-03-05 --node report_order
run triage --case "$CASE" --date 2024-03-06 --track simple --basis balance_covers \
	--facts "总对总查控发现银行存款90,000元"
run node --case "$CASE" --date 2024-03-06 --node seizure --asset deposit --expires 2025-03-06
run funds-in --case "$CASE" --date 2024-03-12 --amount 86500.00 --ref YH20240312001
run funds-out --case "$CASE" --date 2024-03-20 --amount 86500.00 --payee 陇南恒通建材有限公司
run close --case "$CASE" --date 2024-03-21 --mode 执行完毕 --recovered 86500.00

say "3. What cannot have happened is refused, and changes nothing"
run close --case "$CASE" --date 2024-03-22 --mode 执行完毕 --recovered 0 || true
run funds-out --case "$CASE" --date 2024-03-22 --amount 1.00 --payee 某 || true
run node --case '(2024)甘1221执1号' --date 2024-03-22 --node notice || true
run file --case '(2024)甘1202执9001号' --date 2024-03-01 --applicant A --respondent B --claimed 1 || true

say "4. Bulk import: the first half of 2024 from the case-management system"
python3 "$HERE/generate.py" --code 甘1202 --cases 600 --seed 1 > "$OUT/wudu-2024h1.jsonl"
wc -l < "$OUT/wudu-2024h1.jsonl" | xargs printf '%s events to import\n'
run import "$OUT/wudu-2024h1.jsonl"

say "5. A case's full timeline, each event with its log index"
run case "$CASE"
run cases --open | tail -4

say "6. The signed log"
run log checkpoint
run log root

say "7. Export for an auditor, and verify it offline"
run log export "$OUT/export"
ls -l "$OUT/export" "$OUT/export/checkpoints"
run log verify "$OUT/export" --key "@$HOME_DIR/log.vkey"

say "8. A tampered copy: one byte of entry 100 changed"
cp -r "$OUT/export" "$OUT/tampered"
python3 - "$OUT/tampered/entries.bin" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
i = 0
for k in range(100):
    i += 4 + int.from_bytes(d[i:i + 4], "big")
n = int.from_bytes(d[i:i + 4], "big")
d[i + 4 + n - 3] ^= 0x01        # inside the body of entry 100
open(p, "wb").write(d)
PY
if run log verify "$OUT/tampered" --key "@$HOME_DIR/log.vkey"; then
	echo "demo: the tampered export was accepted" >&2
	exit 1
fi

say "9. The tables are exactly the fold of the log"
run rebuild

end=$(date +%s.%N)
say "done in $(echo "$end - $start" | bc 2>/dev/null || python3 -c "print(round($end-$start,2))") s; the court's home is $HOME_DIR"
