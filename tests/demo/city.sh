#!/bin/sh
# tests/demo/city.sh BIN — the main job for the whole Longnan city (docs/DEMO.md):
# a CA and certificates; the SPC, 甘肃高院, 陇南中院 and its nine county
# courts, each its own `courtsync serve` process and SQLite file on loopback;
# a synthetic first half of 2024 shaped like the seed article's figures,
# recorded at every court and pushed up, verified, witnessed and relayed;
# a witness outside the courts (甘肃省人民检察院, `courtsync witness`) that
# cosigns 陇南's logs, its cosignature relayed up and shown in an audit;
# then, as of 2024-06-30, the seven indicators per court and for the city,
# seen from 陇南, 甘肃 and the SPC (identical), the top warnings, and where
# to open the dashboard.  The daemons keep running; $OUT/stop.sh stops them.
# Builds nothing: the caller builds BIN.  Output goes to demo-out/city (or
# $DEMO_DIR).  SEED picks the generator's seed (default 1).
set -eu
[ $# -eq 1 ] || { echo "usage: tests/demo/city.sh BIN" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${DEMO_DIR:-$(pwd)/demo-out/city}
SEED=${SEED:-1}
HOMES=$OUT/homes
LOGS=$OUT/logs
AS_OF=2024-06-30
FROM=2024-01-01
# Every event is recorded at 2024-06-30 20:00 CST: business dates up to
# that day are accepted and the logs depend only on the events.
RECORD_TIME=1719748800
SYNC_TIMEOUT=${SYNC_TIMEOUT:-300}
export LC_ALL=C.UTF-8
unset COURTSYNC_HOME COURTSYNC_TIME || true

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
home() { printf '%s/%s' "$HOMES" "$(printf '%s' "$1" | tr / _)"; }

start=$(now)

# A previous run's daemons: stop them before reusing the directory.
if [ -f "$OUT/stop.sh" ]; then
	sh "$OUT/stop.sh" >/dev/null 2>&1 || true
fi
rm -rf "$OUT"
mkdir -p "$OUT" "$LOGS"

# If anything below fails, stop what was started.
cleanup() {
	rc=$?
	if [ "$rc" -ne 0 ] && [ -f "$OUT/stop.sh" ]; then
		echo "city.sh: failed (exit $rc); stopping the daemons; logs in $LOGS" >&2
		sh "$OUT/stop.sh" >&2 || true
	fi
}
trap cleanup EXIT

say "1. A deployment CA, twelve courts and a witness, with certificates and a signed registry"
export COURTSYNC_BIN="$BIN"
# The Longnan registry, and one witness outside the courts: 甘肃省人民检察院
# (the procuratorate supervises enforcement by law), role "witness".
WITNESS=jcy/gs
cp "$REPO/certs/registry/longnan.tsv" "$OUT/registry.tsv"
printf '%s\t2\t甘检\t-\t甘肃省人民检察院\twitness\n' "$WITNESS" >>"$OUT/registry.tsv"
"$REPO/certs/courtsync-certs" deploy "$OUT/ca" "$OUT/registry.tsv" "$HOMES" >"$LOGS/certs.log"
COURTS=$(grep -v '^#' "$REPO/certs/registry/longnan.tsv" | cut -f1)
COUNTIES=$(printf '%s\n' $COURTS | grep '^cn/gs/ln/')
for p in $COURTS $WITNESS; do
	printf '  %-22s %s\n' "$p" "$(home "$p")"
done
"$REPO/certs/courtsync-certs" verify-registry "$(home cn)/registry.tsv" \
	"$(home cn)/registry.tsv.sig" "$(home cn)/ca.crt"

say "2. The tree on loopback: SPC ← 甘肃 ← 陇南 ← nine counties"
set -- $(python3 -c '
import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
P_CN=$1 P_GS=$2 P_LN=$3 P_DASH=$4
conf() { printf '%s\n' "$2" >>"$(home "$1")/courtsync.conf"; }
fast() {
	conf "$1" "push_interval_ms = 200"
	conf "$1" "backoff_base_ms = 100"
	conf "$1" "backoff_cap_ms = 2000"
}
conf cn "listen = 127.0.0.1:$P_CN"
conf cn/gs "listen = 127.0.0.1:$P_GS"
conf cn/gs "parent_url = https://127.0.0.1:$P_CN"
conf cn/gs/ln "listen = 127.0.0.1:$P_LN"
conf cn/gs/ln "parent_url = https://127.0.0.1:$P_GS"
for p in $COUNTIES; do
	conf "$p" "parent_url = https://127.0.0.1:$P_LN"
done
for p in $COURTS; do
	fast "$p"
done
# The dashboard, if this courtsync has one (an unknown key is an error).
LN_CONF=$(home cn/gs/ln)/courtsync.conf
cp "$LN_CONF" "$OUT/ln.conf.bak"
conf cn/gs/ln "dashboard = 127.0.0.1:$P_DASH"
if "$BIN" -C "$(home cn/gs/ln)" serve --check >/dev/null 2>&1; then
	DASHBOARD=https://127.0.0.1:$P_DASH/
	# A supervisor to sign in with (docs/ACCESS.md), with a fresh
	# password kept beside the homes, never on a command line.
	DASH_PW=$OUT/dashboard-password.txt
	(umask 077; od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$DASH_PW")
	echo >>"$DASH_PW"
	"$BIN" -C "$(home cn/gs/ln)" user add demo --role supervisor \
		--display 演示监管员 --password-file "$DASH_PW" >/dev/null
else
	cp "$OUT/ln.conf.bak" "$LN_CONF"
	DASHBOARD=
fi
rm -f "$OUT/ln.conf.bak"
for p in $COURTS; do
	"$BIN" -C "$(home "$p")" serve --check >/dev/null
done
printf '  最高人民法院 https://127.0.0.1:%s  甘肃高院 https://127.0.0.1:%s  陇南中院 https://127.0.0.1:%s\n' \
	"$P_CN" "$P_GS" "$P_LN"
echo "  every configuration checks (courtsync serve --check)"

say "3. Twelve daemons (courtsync serve), top first; logs in $LOGS"
: >"$OUT/pids"
cat >"$OUT/stop.sh" <<EOF
#!/bin/sh
# Stops the city demo's daemons: SIGTERM to each (counties first), then
# waits for every one to exit (at most 30 s each).
cd "$OUT" || exit 1
[ -f pids ] || exit 0
tac pids | while read -r pid path; do
	kill -TERM "\$pid" 2>/dev/null || true
done
tac pids | while read -r pid path; do
	i=0
	while kill -0 "\$pid" 2>/dev/null && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	if kill -0 "\$pid" 2>/dev/null; then
		echo "stop.sh: \$path (pid \$pid) did not stop within 30 s" >&2
	else
		echo "stopped \$path (pid \$pid)"
	fi
done
rm -f pids
EOF
chmod +x "$OUT/stop.sh"
wait_for() {	# SECONDS WHAT COMMAND...: polls COMMAND until it succeeds
	limit=$1 what=$2
	shift 2
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt $((limit * 10)) ]; then
			echo "city.sh: timed out after ${limit}s waiting for $what" >&2
			exit 1
		fi
		sleep 0.1
	done
}
for p in $COURTS; do
	name=$(printf '%s' "$p" | tr / _)
	"$BIN" -C "$(home "$p")" serve >"$LOGS/$name.log" 2>&1 &
	echo "$! $p" >>"$OUT/pids"
	case $p in
	cn) port=$P_CN ;;
	cn/gs) port=$P_GS ;;
	cn/gs/ln) port=$P_LN ;;
	*) port= ;;
	esac
	if [ -n "$port" ]; then
		wait_for 20 "$p to listen" curl -skf "https://127.0.0.1:$port/healthz"
	else
		wait_for 20 "$p to start pushing" grep -q "pushing to" "$LOGS/$name.log"
	fi
	printf '  %-22s pid %s\n' "$p" "$!"
done

say "4. A synthetic first half of 2024 (tests/demo/generate.py --city, seed $SEED)"
python3 "$HERE/generate.py" --city "$OUT/events" --seed "$SEED" >"$OUT/events.tsv"
awk -F'\t' '{ printf "  %-22s %-6s %-18s %6d events\n", $1, $2, $3, $5; n += $5 }
	END { printf "  %d events in all\n", n }' "$OUT/events.tsv"

say "5. Every court records its events (courtsync import), and its daemon pushes them"
t0=$(now)
while IFS='	' read -r path code name file n; do
	COURTSYNC_TIME=$RECORD_TIME "$BIN" -C "$(home "$path")" import "$file" >"$LOGS/import-$code.log" 2>&1 ||
		{ cat "$LOGS/import-$code.log" >&2; exit 1; }
	printf '  %-22s %s\n' "$path" "$(tail -n 1 "$LOGS/import-$code.log")"
done <"$OUT/events.tsv"
echo "  imported in $(elapsed "$t0") s"

say "6. Sync: 陇南, 甘肃 and the SPC verify, fold, witness and relay every log"
t0=$(now)
python3 - "$HOMES" "$SYNC_TIMEOUT" $COURTS <<'PY'
import sqlite3, sys, time
homes, timeout, courts = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
hubs = ["cn/gs/ln", "cn/gs", "cn"]
origins = [c for c in courts if c.startswith("cn/gs/ln")]

def db(p):
    return "%s/%s/courtsync.db" % (homes, p.replace("/", "_"))

def q(p, sql, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % db(p), uri=True, timeout=10)
    try:
        con.execute("PRAGMA busy_timeout = 10000")
        return con.execute(sql, args).fetchall()
    finally:
        con.close()

def sizes(p):
    return dict(q(p, "SELECT l.origin, max(e.idx) + 1 FROM logs l JOIN entries e"
                     " ON e.log = l.id GROUP BY l.origin"))

def cosigned(o):
    """o's own latest checkpoint covers its whole log and carries a
    cosignature from every court above it."""
    above = [h for h in hubs if o != h and o.startswith(h + "/")]
    rows = q(o, "SELECT c.size, (SELECT max(idx) + 1 FROM entries WHERE log = l.id),"
                " (SELECT group_concat(witness) FROM cosigs WHERE log = l.id AND size = c.size)"
                " FROM logs l JOIN checkpoints c ON c.log = l.id WHERE l.origin = ?"
                " ORDER BY c.size DESC LIMIT 1", (o,))
    if not rows or rows[0][0] != rows[0][1]:
        return False
    return set(above) <= set((rows[0][2] or "").split(","))

want = {o: sizes(o).get(o, 0) for o in origins}
deadline = time.monotonic() + timeout
last = 0
while True:
    try:
        held = {h: sizes(h) for h in hubs}
        done = all(held[h].get(o) == want[o] for h in hubs for o in origins)
        wit = done and all(cosigned(o) for o in origins)
    except sqlite3.OperationalError:
        done = wit = False
    if done and wit:
        break
    now = time.monotonic()
    if now > deadline:
        for h in hubs:
            print("  %s holds: %s" % (h, held.get(h)), file=sys.stderr)
        sys.exit("city.sh: timed out after %ds waiting for every level to"
                 " hold and witness every log" % timeout)
    if now - last >= 2:
        last = now
        tot = sum(want.values())
        print("  held  陇南 %6d  甘肃 %6d  SPC %6d  of %d entries%s" % (
            sum(min(held[h].get(o, 0), want[o]) for o in origins for h in ["cn/gs/ln"]),
            sum(min(held["cn/gs"].get(o, 0), want[o]) for o in origins),
            sum(min(held["cn"].get(o, 0), want[o]) for o in origins), tot,
            "; waiting for cosignatures" if done else ""), flush=True)
    time.sleep(0.2)
print("  %-22s %8s %8s %8s %8s" % ("log", "own", "陇南", "甘肃", "SPC"))
final = {h: sizes(h) for h in hubs}
for o in origins:
    print("  %-22s %8d %8d %8d %8d" % (o, want[o], final["cn/gs/ln"][o],
                                        final["cn/gs"][o], final["cn"][o]))
print("  every level holds every log, entry for entry; each county's latest"
      " checkpoint is cosigned by 陇南, 甘肃 and the SPC")
PY
echo "  synced and witnessed in $(elapsed "$t0") s"

say "6b. A witness outside the courts: 甘肃省人民检察院 ($WITNESS) cosigns 陇南's logs"
# courtsync witness: reads 陇南's checkpoints, checks each is consistent with
# what it saw before (RFC 9162 proofs), cosigns, posts the cosignature back;
# 陇南 keeps it and relays it to 甘肃 and the SPC with the checkpoint.
"$BIN" -C "$(home $WITNESS)" witness --hub "https://127.0.0.1:$P_LN" \
	--interval-ms 500 >"$LOGS/$(printf '%s' $WITNESS | tr / _).log" 2>&1 &
echo "$! $WITNESS" >>"$OUT/pids"
printf '  %-22s pid %s, following https://127.0.0.1:%s\n' "$WITNESS" "$!" "$P_LN"
t0=$(now)
python3 - "$HOMES" "$SYNC_TIMEOUT" "$WITNESS" $COUNTIES <<'PY'
import sqlite3, sys, time
homes, timeout, witness, counties = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]

def witnessed(hub, origin):
    con = sqlite3.connect("file:%s/%s/courtsync.db?mode=ro" % (homes, hub.replace("/", "_")), uri=True, timeout=10)
    try:
        return con.execute(
            "SELECT count(*) FROM logs l JOIN cosigs c ON c.log = l.id"
            " WHERE l.origin = ? AND c.witness = ? AND c.size ="
            " (SELECT max(size) FROM checkpoints WHERE log = l.id)",
            (origin, witness)).fetchone()[0] > 0
    finally:
        con.close()

deadline = time.monotonic() + timeout
while True:
    try:
        todo = [(h, o) for h in ("cn/gs/ln", "cn/gs", "cn") for o in counties
                if not witnessed(h, o)]
    except sqlite3.OperationalError:
        todo = ["busy"]
    if not todo:
        break
    if time.monotonic() > deadline:
        sys.exit("city.sh: timed out waiting for %s's cosignatures: %s" % (witness, todo[:5]))
    time.sleep(0.2)
print("  every county's latest checkpoint, at 陇南, 甘肃 and the SPC, carries %s's cosignature" % witness)
PY
echo "  witnessed in $(elapsed "$t0") s"
AUDIT_DIR=$OUT/audit-wudu
"$BIN" -C "$(home cn)" log export "$AUDIT_DIR" --origin cn/gs/ln/wudu >/dev/null
echo "  an auditor's view: wudu's log as the SPC holds it, checked with the CA and registry only"
"$BIN" audit "$AUDIT_DIR" --ca "$(home cn)/ca.crt" --registry "$(home cn)/registry.tsv" \
	--no-replay --witnesses "1:$WITNESS" >"$OUT/audit-wudu.txt" 2>&1 || {
	cat "$OUT/audit-wudu.txt" >&2; echo "city.sh: the audit of wudu failed" >&2; exit 1; }
echo "  courtsync audit … --witnesses 1:$WITNESS:"
grep -E "^OK|$WITNESS" "$OUT/audit-wudu.txt" | tail -n 3 | sed 's/^/    /'
LAST=$(ls "$AUDIT_DIR/checkpoints" | sort -n | tail -n 1)
echo "  its latest checkpoint ($AUDIT_DIR/checkpoints/$LAST), every witness's line:"
sed 's/^/    /' "$AUDIT_DIR/checkpoints/$LAST"
grep -q "courtsync/$WITNESS " "$AUDIT_DIR/checkpoints/$LAST" || {
	echo "city.sh: no cosignature by $WITNESS in wudu's export" >&2; exit 1; }
echo "  every county's log as the SPC holds it, audited with --witnesses ancestors"
echo "  (each entry under a checkpoint cosigned by 陇南, 甘肃 and the SPC):"
for o in $COUNTIES; do
	d=$OUT/audit-$(printf '%s' "$o" | tr / _)
	[ -d "$d" ] || "$BIN" -C "$(home cn)" log export "$d" --origin "$o" >/dev/null
	"$BIN" audit "$d" --ca "$(home cn)/ca.crt" --registry "$(home cn)/registry.tsv" \
		--no-replay --witnesses ancestors >"$d.txt" 2>&1 || {
		cat "$d.txt" >&2; echo "city.sh: the audit of $o failed" >&2; exit 1; }
	tail -n 1 "$d.txt" | sed 's/^/    /'
done

for p in cn/gs/ln cn/gs cn; do
	printf '  %-10s root of wudu as held: %s\n' "$p" \
		"$(python3 -c '
import sqlite3, sys, hashlib
con = sqlite3.connect("file:%s/courtsync.db?mode=ro" % sys.argv[1], uri=True)
lid = con.execute("SELECT id FROM logs WHERE origin = ?", ("cn/gs/ln/wudu",)).fetchone()[0]
note = con.execute("SELECT note FROM checkpoints WHERE log = ? ORDER BY size DESC LIMIT 1", (lid,)).fetchone()[0]
print(" ".join(note.split("\n")[1:3]))' "$(home $p)")"
done

say "7. The four-level view, as of $AS_OF (period $FROM … $AS_OF, 执 and 执恢)"
if "$BIN" report --help >/dev/null 2>&1; then
	for p in cn/gs/ln cn/gs cn; do
		"$BIN" -C "$(home "$p")" report --as-of "$AS_OF" --from "$FROM" --to "$AS_OF" \
			--scope cn/gs/ln >"$OUT/report-$(printf '%s' "$p" | tr / _).txt"
	done
	cat "$OUT/report-cn_gs_ln.txt" | head -n 80
	[ "$(wc -l <"$OUT/report-cn_gs_ln.txt")" -le 80 ] ||
		echo "  … (the whole report: $OUT/report-cn_gs_ln.txt)"
	diff "$OUT/report-cn_gs_ln.txt" "$OUT/report-cn_gs.txt" >/dev/null &&
		diff "$OUT/report-cn_gs_ln.txt" "$OUT/report-cn.txt" >/dev/null || {
		echo "city.sh: the levels disagree:" >&2
		diff "$OUT/report-cn_gs_ln.txt" "$OUT/report-cn_gs.txt" >&2 || true
		diff "$OUT/report-cn_gs_ln.txt" "$OUT/report-cn.txt" >&2 || true
		exit 1
	}
	echo
	echo "  陇南中院, 甘肃高院 and the SPC print identical reports (diff)."
	VIEW=report
else
	echo "  (this courtsync has no \`report\` command yet: the table below is"
	echo "   computed by tests/demo/calibrate.py with the same formulas, from each"
	echo "   hub's folded cases table, read-only)"
	VIEW=calibrate
fi
# Independently of courtsync: the same figures from each hub's fold and
# from the generated files (tests/demo/calibrate.py).
for p in cn/gs/ln cn/gs cn; do
	python3 "$HERE/calibrate.py" --db "$(home "$p")" --scope cn/gs/ln \
		--from "$FROM" --to "$AS_OF" --no-reference >"$OUT/fold-$(printf '%s' "$p" | tr / _).txt"
done
python3 "$HERE/calibrate.py" "$OUT/events" --from "$FROM" --to "$AS_OF" >"$OUT/calibrate.txt"
python3 "$HERE/calibrate.py" "$OUT/events" --from "$FROM" --to "$AS_OF" --no-reference >"$OUT/files.txt"
for p in cn_gs cn; do
	diff "$OUT/fold-cn_gs_ln.txt" "$OUT/fold-$p.txt" >&2 || {
		echo "city.sh: $p's fold differs from 陇南's" >&2; exit 1; }
done
diff "$OUT/fold-cn_gs_ln.txt" "$OUT/files.txt" >&2 || {
	echo "city.sh: the hubs' fold differs from the generated files" >&2; exit 1; }
if [ "$VIEW" = calibrate ]; then
	echo
	echo "  as seen from 陇南中院 (cn/gs/ln), 甘肃高院 (cn/gs) and the SPC (cn) — identical (diff):"
	echo
	sed 's/^/  /' "$OUT/fold-cn_gs_ln.txt"
	echo
	sed -n '/^seed reference/,$p' "$OUT/calibrate.txt" | sed 's/^/  /'
	echo
	echo "  top warnings: need \`courtsync report\` (the views issue)."
else
	echo
	echo "  cross-check (tests/demo/calibrate.py, from the generated files and"
	echo "  from each hub's fold — identical):"
	echo
	sed 's/^/  /' "$OUT/calibrate.txt"
fi

say "8. Where to look"
if [ -n "$DASHBOARD" ]; then
	echo "  the dashboard of 陇南中院: $DASHBOARD"
	echo "  sign in as demo, password in $DASH_PW (a supervisor; add staff"
	echo "  with courtsync -C $(home cn/gs/ln) user add …, docs/ACCESS.md)"
	echo "  (TLS from the deployment CA: $(home cn/gs/ln)/ca.crt)"
else
	echo "  no dashboard in this courtsync yet (\`dashboard\` is not a known configuration key)"
fi
echo "  the courts' homes: $HOMES (courtsync -C HOME cases / case / log …)"
echo "  the daemons' logs: $LOGS"
echo "  the daemons keep running; stop them with: sh $OUT/stop.sh"

trap - EXIT
say "done in $(elapsed "$start") s"
