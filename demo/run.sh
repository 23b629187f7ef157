#!/usr/bin/env bash
# make demo: a 13-node Ingenjör4.0 federation on loopback, loaded with the
# SAMPLE DATA of demo/data/ (not the programme's real catalogue).
#
#   demo/run.sh BUILD_DIR      (make demo runs it after building)
#
# It creates a fresh directory under /tmp (or $DEMO_DIR), makes a key per
# university, a charter and its genesis, starts one i40d per university,
# publishes the 48 sample modules at their owners, records a few hundred
# completions, shows every node's state root until all are equal, admits
# a fourteenth, regional node that catches up, prints the national
# catalog, has a learner earn results at three universities (one from a
# registrar's CSV file) whose transcript an employer verifies offline
# from the genesis alone, lets an auditor replay the log, and stops the
# daemons with SIGTERM.
set -euo pipefail

BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=$SRC/demo/data
I40D=$BUILD/i40d
I40CTL=$BUILD/i40ctl
COMPLETIONS=${DEMO_COMPLETIONS:-300}
D=${DEMO_DIR:-$(mktemp -d /tmp/i40-demo.XXXXXX)}
mkdir -p "$D"
declare -a PIDS=() SHORT=() DIRS=()

say() { printf '\n== %s\n' "$*"; }

stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}
trap 'stop_all' EXIT
trap 'echo "demo: interrupted"; exit 1' INT TERM

# Listen ports: below the ephemeral range, never twice in one run.
. "$SRC/tests/lib/ports.sh"

n=$(jq length "$DATA/universities.json")
say "A federation of $n universities in $D (SAMPLE DATA)"
members=()
for i in $(seq 0 $((n - 1))); do
	SHORT[$i]=$(jq -r ".[$i].short" "$DATA/universities.json")
	mkdir -p "$D/${SHORT[$i]}"
	# The member's card: its key, transport key and certificate.
	card=$("$I40CTL" keygen -o "$D/${SHORT[$i]}/node.key" --json)
	key=$(echo "$card" | jq -r .key)
	free_port
	port=$FREE_PORT
	members+=("$(jq -c --argjson card "$card" --arg ep "tcp://127.0.0.1:$port" \
	    ".[$i] | del(.short) + \$card + {role: \"member\", endpoint: \$ep}" \
	    "$DATA/universities.json")")
	printf '  %-9s key %s… port %s\n' "${SHORT[$i]}" "${key:0:16}" "$port"
done
printf '%s\n' "${members[@]}" | jq -s --arg created "$(date +%F)" '{
	name: "Ingenjör4.0 (SAMPLE DATA: i40 demo)",
	created: $created,
	qa: "Sample data: members are Swedish HEIs under UKÄ quality assurance (ESG part 1)",
	admit_pct: 50,
	members: .}' >"$D/charter.json"
"$I40CTL" genesis -c "$D/charter.json" -k "$D/${SHORT[0]}/node.key" \
    -o "$D/genesis.i40" >/dev/null
echo "  genesis signed by ${SHORT[0]}: $D/genesis.i40"

# The first node serves the web face (docs/web.md): on 8040 unless taken.
WEB_PORT=${I40_DEMO_HTTP_PORT:-8040}
if (exec 3<>/dev/tcp/127.0.0.1/$WEB_PORT) 2>/dev/null; then
	WEB_PORT=$((18040 + RANDOM % 1000))
fi

say "Starting $n daemons"
for i in $(seq 0 $((n - 1))); do
	s=${SHORT[$i]}
	DIRS[$i]=$D/$s/data
	"$I40CTL" init -d "${DIRS[$i]}" -g "$D/genesis.i40" \
	    -k "$D/$s/node.key" >/dev/null
	cat >"$D/$s/i40d.conf" <<INI
[node]
name = $s
datadir = ${DIRS[$i]}
genesis = $D/genesis.i40
sync_interval = 2s
log_level = info
INI
	[ "$i" = 0 ] && printf '\n[http]\nlisten = 127.0.0.1:%s\n' "$WEB_PORT" \
	    >>"$D/$s/i40d.conf"
	"$I40D" -c "$D/$s/i40d.conf" 2>>"$D/$s/i40d.log" &
	PIDS+=($!)
done
for i in $(seq 0 $((n - 1))); do
	for _ in $(seq 1 100); do
		[ -S "${DIRS[$i]}/control.sock" ] && break
		sleep 0.1
	done
done
echo "  logs: $D/<university>/i40d.log"

dir_of() {
	local i
	for i in "${!SHORT[@]}"; do
		[ "${SHORT[$i]}" = "$1" ] && { echo "${DIRS[$i]}"; return; }
	done
}

# A node signs once a peer has confirmed its own log's head.
retry() {
	local t
	for t in $(seq 1 100); do
		"$@" 2>/dev/null && return 0
		sleep 0.2
	done
	"$@"
}

say "Publishing the 48 sample modules at their owners"
for f in "$DATA"/modules/*.json; do
	owner=$(jq -r .owner "$f")
	jq 'del(.owner)' "$f" >"$D/module.json"
	retry "$I40CTL" module publish -d "$(dir_of "$owner")" \
	    --file "$D/module.json" >/dev/null
	printf '  %-9s %s\n' "$owner" "$(jq -r '.code + "  " + .title_en' "$f")"
done

record_completions() {
	local grades=(G G G VG U) rec=0 f owner code learner per
	per=$(( (COMPLETIONS + 47) / 48 ))
	for f in "$DATA"/modules/*.json; do
		owner=$(jq -r .owner "$f")
		code=$(jq -r .code "$f")
		for _ in $(seq 1 $per); do
			[ $rec -ge "$COMPLETIONS" ] && break
			learner=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
			"$I40CTL" completion record -d "$(dir_of "$owner")" \
			    --learner "$learner" --module "$code" \
			    --grade "${grades[$((RANDOM % 5))]}" --scale UVG \
			    --examiner "Examiner at $owner" \
			    --exam-date 2026-11-02 --decision-date 2026-11-16 \
			    >/dev/null
			rec=$((rec + 1))
		done
	done
}

say "Recording $COMPLETIONS completions at the owners of the modules, while"
echo "   every node's state root (first 8 hex digits) is shown as it changes:"
printf '  %6s' "time"
for i in $(seq 0 $((n - 1))); do printf ' %-8.8s' "${SHORT[$i]}"; done
echo
record_completions &
REC=$!
t0=$(date +%s.%N)
uniq=0
for _ in $(seq 1 600); do
	line=""
	roots=()
	for i in $(seq 0 $((n - 1))); do
		r=$("$I40CTL" status --json -d "${DIRS[$i]}" | jq -r .state_root)
		roots+=("$r")
		line="$line ${r:0:8}"
	done
	uniq=$(printf '%s\n' "${roots[@]}" | sort -u | wc -l)
	writing=$(kill -0 $REC 2>/dev/null && echo " writing" || echo "")
	printf '  %5.1fs%s  (%d distinct)%s\n' \
	    "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" \
	    "$line" "$uniq" "$writing"
	[ -z "$writing" ] && [ "$uniq" = 1 ] && break
	sleep 0.5
done
wait $REC
if [ "$uniq" = 1 ]; then
	echo "  all $n nodes hold the same state: ${roots[0]}"
	echo "  ($("$I40CTL" status --json -d "${DIRS[0]}" | jq .events) events)"
else
	echo "demo: the nodes did not converge; see the logs in $D" >&2
	exit 1
fi

say "A regional node joins (docs/joining.md): Region Västra Götaland"
R=$D/vgregion
mkdir -p "$R"
"$I40CTL" keygen -o "$R/node.key" --json >"$R/card.json"
free_port
rport=$FREE_PORT
"$I40CTL" init -d "$R/data" -g "$D/genesis.i40" -k "$R/node.key" &>/dev/null
cat >"$R/i40d.conf" <<INI
[node]
name = vgregion
datadir = $R/data
genesis = $D/genesis.i40
sync_interval = 2s
log_level = info
INI
"$I40D" -c "$R/i40d.conf" 2>>"$R/i40d.log" &
PIDS+=($!)
echo "  key $(jq -r .key "$R/card.json" | cut -c1-16)… port $rport; started, not admitted yet"
prop=$("$I40CTL" member propose -d "${DIRS[0]}" --role member \
    --card "$R/card.json" --schac vgregion.se \
    --name-sv "Västra Götalandsregionen" --name-en "Region Västra Götaland" \
    --country SE --org-no 232100-0131 --endpoint "tcp://127.0.0.1:$rport" \
    --json | jq -r .id)
echo "  ${SHORT[0]} proposes it: proposal ${prop:0:16}…"
need=$("$I40CTL" member show "$prop" --json -d "${DIRS[0]}" | jq .need)
for i in $(seq 1 $((n - 1))); do
	st=$("$I40CTL" member show "$prop" --json -d "${DIRS[0]}" | jq -r .state)
	[ "$st" = "took effect" ] && break
	retry "$I40CTL" member endorse "$prop" -d "${DIRS[$i]}" >/dev/null || true
	echo "  ${SHORT[$i]} endorses"
	sleep 0.5
done
echo "  admitted: $need of $n members endorsed"
for _ in $(seq 1 300); do
	a=$("$I40CTL" status --json -d "${DIRS[0]}" | jq -r .log_root)
	b=$("$I40CTL" status --json -d "$R/data" | jq -r .log_root)
	[ "$a" = "$b" ] && break
	sleep 0.2
done
echo "  vgregion caught up: $("$I40CTL" status --json -d "$R/data" | jq .events) events, same log root as ${SHORT[0]}: $([ "$a" = "$b" ] && echo yes || echo NO)"
"$I40CTL" member list -d "${DIRS[0]}" | head -20

say "The national catalog (as node ${SHORT[0]} holds it)"
"$I40CTL" catalog -d "${DIRS[0]}"

say "Matching needs to modules (docs/matching.md), in Swedish and English"
echo '  $ i40ctl match "svetsa med robot"'
"$I40CTL" match -d "${DIRS[0]}" --limit 3 "svetsa med robot" | sed 's/^/    /'
echo '  $ i40ctl match "predictive maintenance"'
"$I40CTL" match -d "${DIRS[0]}" --limit 3 "predictive maintenance" | sed 's/^/    /'

say "A company's plan: its needs made into a programme (demo/data/company-needs.txt)"
grep -v '^#' "$DATA/company-needs.txt" | sed 's/^/    /'
echo '  $ i40ctl plan company-needs.txt --max-credits 3'
# Exit 1 says that a need stays uncovered, as this file's last one does.
"$I40CTL" plan -d "${DIRS[0]}" --max-credits 3 "$DATA/company-needs.txt" | sed 's/^/    /' || true

say "A learner studies at three universities, and shows an employer"
code_of() { jq -r --arg o "$1" 'select(.owner == $o) | .code' "$DATA"/modules/*.json | head -1; }
pseud=$("$I40CTL" learner add -d "${DIRS[0]}" --name "Åsa Öberg" \
    --pnr 19811218-9876 --json | jq -r .pseudonym)
echo "  ${SHORT[0]} issues her pseudonym $pseud (her name and number stay there)"
printf 'Personnummer;Namn;Kurskod;Betyg;Betygsskala;Examinator;Examinationsdatum;Beslutsdatum\n19811218-9876;Åsa Öberg;%s;VG;UVG;Eva Ek;2026-11-20;2026-11-27\n' \
    "$(code_of "${SHORT[0]}")" >"$D/term.csv"
retry "$I40CTL" completion import -d "${DIRS[0]}" "$D/term.csv" 2>/dev/null | sed 's/^/  /'
for i in 1 2; do
	retry "$I40CTL" completion record -d "${DIRS[$i]}" --learner "$pseud" \
	    --module "$(code_of "${SHORT[$i]}")" --grade G --scale UVG \
	    --examiner "Examiner at ${SHORT[$i]}" --exam-date 2026-11-2$i \
	    --decision-date 2026-11-2$((i + 5)) | sed 's/^/  /'
done
last=$((n - 1))
for _ in $(seq 1 150); do
	got=$("$I40CTL" transcript "$pseud" -d "${DIRS[$last]}" --json 2>/dev/null |
	    jq '.entries | length')
	[ "$got" = 3 ] && break
	sleep 0.2
done
echo "  her transcript, taken at ${SHORT[$last]} (any node holds it):"
"$I40CTL" transcript "$pseud" -d "${DIRS[$last]}" --text | sed 's/^/    /'
"$I40CTL" transcript "$pseud" -d "${DIRS[$last]}" -o "$D/asa.json" >/dev/null
echo "  the employer checks $D/asa.json with the genesis alone, offline:"
"$I40CTL" verify "$D/asa.json" --genesis "$D/genesis.i40" | sed 's/^/    /'
jq 'del(.entries[0])' "$D/asa.json" >"$D/asa-two.json"
echo "  she may show only two of them (selective disclosure):"
"$I40CTL" verify "$D/asa-two.json" --genesis "$D/genesis.i40" | tail -1 | sed 's/^/    /'
jq '.entries[1].summary.grade |= (if . == "VG" then "G" else "VG" end)' \
    "$D/asa.json" >"$D/asa-forged.json"
echo "  and a grade changed by hand is caught:"
{ "$I40CTL" verify "$D/asa-forged.json" --genesis "$D/genesis.i40" || true; } |
    grep REFUSED | sed 's/^/    /'

say "An auditor replays ${SHORT[0]}'s export from the genesis alone"
"$I40CTL" log export -d "${DIRS[0]}" -o "$D/federation.i40x" 2>/dev/null
if "$I40CTL" audit "$D/federation.i40x" --genesis "$D/genesis.i40" >"$D/audit.txt"; then
	grep -E '^(  records|state |log root|state root|trailer.s)' \
	    "$D/audit.txt" | sed 's/^ */  /'
	echo "  $(tail -1 "$D/audit.txt") (the whole report: $D/audit.txt; docs/auditing.md reads it)"
else
	echo "  the audit is NOT clean: $D/audit.txt says why" >&2
	tail -20 "$D/audit.txt" >&2
fi

say "The web face of ${SHORT[0]}"
WEB=http://127.0.0.1:$WEB_PORT
echo "  $WEB/ : the catalog, module pages, transcript verification"
echo "  $WEB/metrics, $WEB/readyz: $(curl -s --max-time 5 "$WEB/readyz" || echo "not answering")"
echo "  a search for \"svetsa med robot\" there finds:" \
    "$(curl -s --max-time 5 "$WEB/api/catalog?q=svetsa+med+robot&limit=1" |
    jq -r '.hits[0] | .module + " " + .title_sv' 2>/dev/null)"
echo "  verify $D/asa.json on $WEB/verify"
if [ -t 0 ]; then
	read -r -p "  The federation runs: open $WEB/ in a browser; press Enter to stop it. " _
fi

say "Stopping the daemons (SIGTERM)"
stop_all
echo "  stopped. The federation's files stay in $D; remove it when done."
