# lib.sh: helpers for the integration tests: a federation of real i40d
# processes on loopback, each with its own datadir under a private temp
# directory, on free ports.  Source it from a .t script; it prints TAP.
#
#   fed_create N [NAME]     keys, charter, genesis, datadirs, configs
#   node_new I              a node outside the charter (to be proposed):
#                           key, card $T/nI/card.json, datadir, config
#   node_start I            start node I (1-based), wait until it listens
#   node_stop I             SIGTERM, wait for a clean exit
#   node_kill I             SIGKILL
#   wait_for SECONDS CMD... poll CMD every 0.1 s until it succeeds
#   roots_equal I...        the nodes report the same log and state roots
#   ok / not_ok / done_testing
#
# Everything lives under $T (removed at exit unless KEEP=1).

set -u
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
I40D=$BUILD/i40d
I40CTL=$BUILD/i40ctl
T=$(mktemp -d /tmp/i40t.XXXXXX)
# Under the sanitizers every report of every process goes to a file in $T
# (a daemon's, or an i40ctl's whose exit status a check does not look at,
# such as one inside $(...)); done_testing fails on any.
# match's index cache (docs/matching.md "Speed") in the test's directory.
export I40_CACHE_DIR="$T/cache"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/sanitizer"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lsan.supp:print_suppressions=0"
TESTNO=0
FAILED=0
declare -a PID PORT KEY TKEY TSIG

cleanup() {
	local i
	for i in "${!PID[@]}"; do
		[ -n "${PID[$i]}" ] && kill -9 "${PID[$i]}" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "${KEEP:-0}" = 1 ] || [ $FAILED -ne 0 -a "${KEEP_FAILED:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

ok() { TESTNO=$((TESTNO + 1)); echo "ok $TESTNO - $*"; }
not_ok() {
	TESTNO=$((TESTNO + 1)); FAILED=$((FAILED + 1))
	echo "not ok $TESTNO - $*"
}
# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
quiet() { "$@" >/dev/null; }
# skip N WHY: N planned checks that cannot run here, as TAP skips.
skip() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do
		TESTNO=$((TESTNO + 1)); echo "ok $TESTNO # skip $*"
	done
}
# preloads SHIM: i40ctl runs with SHIM preloaded.  Not under
# AddressSanitizer, which must come first in the library list.
preloads() {
	[ -f "$1" ] && LD_PRELOAD="$1" "$I40CTL" --help >/dev/null 2>&1
}
done_testing() {
	if ls "$T"/sanitizer.* >/dev/null 2>&1; then
		not_ok "no process reported a sanitizer error"
		head -n 30 "$T"/sanitizer.* | sed 's/^/# /'
	fi
	echo "1..$TESTNO"
	[ $FAILED -eq 0 ]
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 1; }

. "$(dirname "${BASH_SOURCE[0]}")/../lib/ports.sh"

# dir I: the datadir of node I
dir() { echo "$T/n$1/data"; }
conf() { echo "$T/n$1/i40d.conf"; }

# fed_create N [HOSTS...]: N members; host of node I is 127.0.0.1 unless
# HOST_I is set.  Writes $T/charter.json and $T/genesis.i40.
fed_create() {
	local n=$1 i members="" sep="" host card
	for i in $(seq 1 "$n"); do
		mkdir -p "$T/n$i"
		card=$("$I40CTL" keygen -o "$T/n$i/node.key" --json) ||
		    bail "keygen failed"
		KEY[$i]=$(echo "$card" | jq -r .key)
		TKEY[$i]=$(echo "$card" | jq -r .transport)
		TSIG[$i]=$(echo "$card" | jq -r .transport_sig)
		free_port
		PORT[$i]=$FREE_PORT
		eval "host=\${HOST_$i:-127.0.0.1}"
		members="$members$sep{\"key\":\"${KEY[$i]}\",\"role\":\"member\",\"schac\":\"u$i.example.se\",\"country\":\"SE\",\"name_en\":\"University $i\",\"name_sv\":\"Universitet $i\",\"endpoint\":\"tcp://$host:${PORT[$i]}\",\"transport\":\"${TKEY[$i]}\",\"transport_sig\":\"${TSIG[$i]}\"}"
		sep=","
	done
	cat >"$T/charter.json" <<JSON
{"name":"i40 test federation","created":"2026-11-25","qa":"Test members under test quality assurance","admit_pct":50,"members":[$members]}
JSON
	"$I40CTL" genesis -c "$T/charter.json" -k "$T/n1/node.key" \
	    -o "$T/genesis.i40" >/dev/null || bail "genesis failed"
	for i in $(seq 1 "$n"); do
		"$I40CTL" init -d "$(dir $i)" -g "$T/genesis.i40" \
		    -k "$T/n$i/node.key" >/dev/null || bail "init $i failed"
		node_conf "$i"
	done
}

# node_conf I: the configuration file of node I.
node_conf() {
	cat >"$(conf $1)" <<INI
[node]
name = n$1
datadir = $(dir $1)
sync_interval = ${SYNC_INTERVAL:-1s}
checkpoint_interval = ${CHECKPOINT_INTERVAL:-1h}
log_level = ${LOG_LEVEL:-info}
log_interval = ${LOG_INTERVAL:-5s}
INI
}

# node_new I: node I joins later, as docs/joining.md says: its key and
# card, a data directory from the federation's genesis, a configuration.
node_new() {
	local i=$1 card
	mkdir -p "$T/n$i"
	card=$("$I40CTL" keygen -o "$T/n$i/node.key" --json) ||
	    bail "keygen $i failed"
	echo "$card" >"$T/n$i/card.json"
	KEY[$i]=$(echo "$card" | jq -r .key)
	TKEY[$i]=$(echo "$card" | jq -r .transport)
	TSIG[$i]=$(echo "$card" | jq -r .transport_sig)
	free_port
	PORT[$i]=$FREE_PORT
	"$I40CTL" init -d "$(dir $i)" -g "$T/genesis.i40" \
	    -k "$T/n$i/node.key" >/dev/null || bail "init $i failed"
	node_conf "$i"
}

# peer_off I J: node I does not dial node J.
peer_off() {
	grep -q '^\[peers\]' "$(conf $1)" || echo "[peers]" >>"$(conf $1)"
	echo "u$2.example.se = off" >>"$(conf $1)"
}

# node_start I: start node I; with ULIMIT_N set (e.g. "-Sn 1024"), under
# that descriptor limit, as systemd would set it.
node_start() {
	local i=$1
	if [ -n "${ULIMIT_N:-}" ]; then
		# shellcheck disable=SC2086
		(ulimit $ULIMIT_N && exec "$I40D" -c "$(conf $i)") \
		    >>"$T/n$i/log" 2>&1 &
	else
		"$I40D" -c "$(conf $i)" >>"$T/n$i/log" 2>&1 &
	fi
	PID[$i]=$!
	wait_for 20 test -S "$(dir $i)/control.sock" ||
	    { echo "# node $i did not start:"; tail -5 "$T/n$i/log" | sed 's/^/#   /'; return 1; }
}

node_stop() {
	local i=$1
	[ -n "${PID[$i]:-}" ] || return 0
	kill -TERM "${PID[$i]}" 2>/dev/null
	wait "${PID[$i]}" 2>/dev/null
	local rc=$?
	PID[$i]=""
	return $rc
}

node_kill() {
	[ -n "${PID[$1]:-}" ] || return 0
	kill -9 "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	PID[$1]=""
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds, for at
# most SECONDS of wall-clock time (not a count of tries: a slow CMD, such
# as roots_equal over eight nodes, once stretched "wait_for 90" past the
# CI's whole budget).  CMD always runs at least once.
wait_for() {
	local end=$((SECONDS + $1)); shift
	while ! "$@" 2>/dev/null; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# status field of node I, from the store (works with the daemon stopped).
field() { "$I40CTL" status --json -d "$(dir $1)" | jq -r ".$2"; }

roots_equal() {
	local i lr sr first_lr="" first_sr=""
	for i in "$@"; do
		lr=$(field "$i" log_root) || return 1
		sr=$(field "$i" state_root) || return 1
		[ -n "$lr" ] && [ "$lr" != null ] || return 1
		if [ -z "$first_lr" ]; then
			first_lr=$lr first_sr=$sr
		elif [ "$lr" != "$first_lr" ] || [ "$sr" != "$first_sr" ]; then
			return 1
		fi
	done
}

# module_json CODE: a valid module body file for i40ctl module publish.
module_json() {
	local f="$T/mod-$1.json"
	cat >"$f" <<JSON
{"code":"$1","title_en":"Test module $1","title_sv":"Testmodul $1","credits":10,"hours":27,"eqf":6,"cycle":"first","lang":["sv","en"],"mode":"online","pace":"mixed","assessment":["assignment"],"supervision":"unsupervised","summary_en":"A module for the tests.","summary_sv":"En modul för testerna.","outcomes_en":["Can test."],"outcomes_sv":["Kan testa."]}
JSON
	echo "$f"
}

# module_file CODE JQ-FILTER: a module file (tests 32, 34), the common
# fields changed by the filter; prints its path.
module_file() {
	local f="$T/m-$1.json"
	jq -n --arg c "$1" '{code: $c, credits: 10, hours: 27,
	    eqf: 6, cycle: "first", lang: ["sv", "en"], mode: "online",
	    pace: "mixed", assessment: ["project"], supervision: "unsupervised",
	    summary_en: "A module.", summary_sv: "En modul.",
	    outcomes_en: ["Can do it."], outcomes_sv: ["Kan göra det."]} | '"$2" >"$f"
	echo "$f"
}

publish() { "$I40CTL" module publish -d "$(dir $1)" --file "$(module_json "$2")" >/dev/null; }

# learner N: a learner pseudonym (32 hex digits) made of the number N.
learner() { printf '%032x' "$1"; }
# record I LEARNER CODE: a passing result on node I's module CODE through
# its daemon; prints the completion's id.
record() {
	"$I40CTL" completion record -d "$(dir $1)" --learner "$(learner $2)" \
	    --module "$3" --grade G --scale UG --examiner "Examiner $1" \
	    --exam-date 2026-11-20 --decision-date 2026-11-24 --json |
	    jq -r .id
}

# show_heads I...: every node's heads, for a failure's diagnosis.
show_heads() {
	local i
	for i in "$@"; do
		echo "# node $i: $("$I40CTL" status --json -d "$(dir $i)" |
		    jq -c '[.log_root[0:8], .state_root[0:8], [.heads[] |
		    "\(.author[0:6]):\(.seq)/\(.last)/\(.frozen)/\(.settled)"]]')"
	done
}
