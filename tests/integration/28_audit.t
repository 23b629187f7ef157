#!/usr/bin/env bash
# Test 28 (issue 13): `i40ctl audit` of a 13-university federation on real
# daemons.  A clean export audits clean, with exit 0, and its log and state
# roots equal every node's; so does a node's data directory, also a copy
# of it that nobody may write; --genesis checks the start against the
# charter's genesis; the protocol's export vector audits to the roots of
# docs/vectors/roots.json (the roots hashed from protocol.md §14, not by
# the store); a truncated export and a bad command line exit 1 and 2,
# saying why.  (Each kind of tampering is tests/unit/test_audit.c's.)
. "$(dirname "$0")/lib.sh"

N=13
fed_create $N
for i in $(seq 1 $N); do
	node_start $i || not_ok "node $i starts"
done
for i in $(seq 1 $N); do
	wait_for 30 publish $i "U$i-M1" || not_ok "node $i publishes"
	quiet "$I40CTL" completion record -d "$(dir $i)" \
	    --learner "$(printf '%032x' $i)" --module "U$i-M1" --grade VG \
	    --scale UVG --examiner "Examiner $i" --exam-date 2026-11-20 \
	    --decision-date 2026-11-24 || not_ok "node $i records"
done
id=$("$I40CTL" completion record -d "$(dir 3)" --json \
    --learner "$(printf '%032x' 99)" --module U3-M1 --grade G --scale UVG \
    --examiner "Examiner 3" --exam-date 2026-11-20 \
    --decision-date 2026-11-24 | jq -r .id)
# The longest reason (500 bytes), of two-byte characters with one byte
# before them, so that any cut short of 500 splits a character.
reason="R$(printf 'ö%.0s' $(seq 1 249))."
check "node 3 revokes a result" quiet "$I40CTL" completion revoke \
    -d "$(dir 3)" --id "$id" --reason "$reason"
check "all $N converge" wait_for 60 roots_equal $(seq 1 $N)

"$I40CTL" log export -d "$(dir 1)" -o "$T/fed.i40x" 2>/dev/null
"$I40CTL" audit "$T/fed.i40x" --json >"$T/audit.json" 2>"$T/audit.err"
check "the export audits clean (exit 0)" test $? = 0
check "... clean in the report" test "$(jq -r .clean "$T/audit.json")" = true
check "... every event stored, none refused" \
    test "$(jq -r '"\(.events) \(.stored) \(.refused)"' "$T/audit.json")" = "29 29 0"
check "... 13 logs, each with its module and completion" \
    test "$(jq '[.logs[] | select(.by_type.module_publish == 1)] | length' "$T/audit.json")" = 13
check "... the revocation with its whole reason (500 bytes)" \
    test "$(jq -r '.revocations[0].reason' "$T/audit.json")" = "$reason"
check "... also in the text report" sh -c "'$I40CTL' audit '$T/fed.i40x' | grep -qF -- '$reason'"
cp "$T/fed.i40x" "$T/$(printf 'f\377.i40x')"
"$I40CTL" audit "$T/$(printf 'f\377.i40x')" --json >"$T/name.json" 2>/dev/null
check "a file name that is not UTF-8: the report is JSON all the same" \
    test "$(jq -r .file "$T/name.json")" = "$T/f�.i40x"
lr=$(jq -r .log_root "$T/audit.json")
sr=$(jq -r .state_root "$T/audit.json")
same=1
for i in $(seq 1 $N); do
	[ "$(field $i log_root)" = "$lr" ] && [ "$(field $i state_root)" = "$sr" ] || same=0
done
check "its log root and state root equal every node's" test $same = 1
check "the text report ends clean" sh -c "'$I40CTL' audit '$T/fed.i40x' | tail -1 | grep -qx 'result: clean'"

check "--genesis with the charter's genesis: clean" \
    quiet "$I40CTL" audit "$T/fed.i40x" --genesis "$T/genesis.i40"
# Another federation's genesis (the same members, another name).
jq '.name = "Another federation"' "$T/charter.json" >"$T/other.json"
quiet "$I40CTL" genesis -c "$T/other.json" -k "$T/n1/node.key" -o "$T/other.i40"
"$I40CTL" audit "$T/fed.i40x" --genesis "$T/other.i40" >"$T/g.out" 2>&1
check "--genesis with another genesis: exit 1" test $? = 1
check "... saying so" grep -q "another genesis" "$T/g.out"
check "... and that nothing was replayed (no trailer line)" \
    sh -c "grep -q 'none replayed' '$T/g.out' && ! grep -q '^  trailer' '$T/g.out'"
head -c 200 "$T/genesis.i40" >"$T/cut.i40"
"$I40CTL" audit "$T/fed.i40x" --genesis "$T/cut.i40" >"$T/g2.out" 2>&1
check "--genesis with a file that is no genesis: exit 1" test $? = 1
check "... saying it is not a genesis file, not that the log is forged" \
    sh -c "grep -q 'not a genesis file' '$T/g2.out' && ! grep -q 'forged' '$T/g2.out'"
"$I40CTL" audit "$T/fed.i40x" -d "$(dir 5)" >"$T/both.out" 2>&1
check "FILE and --datadir at once: a usage error (exit 2)" test $? = 2
check "... saying to give one of them" grep -q "give FILE or --datadir DIR, not both" "$T/both.out"

"$I40CTL" audit -d "$(dir 5)" --json >"$T/dd.json" 2>/dev/null
check "a running node's data directory audits clean" test $? = 0
check "... its roots the node's" \
    test "$(jq -r '"\(.node.log_root) \(.node.state_root)"' "$T/dd.json")" = "$lr $sr"
node_stop 6
cp -a "$(dir 6)" "$T/copy6"
chmod -R a-w "$T/copy6"
sums() { find "$T/copy6" -name data.mdb -exec md5sum {} + | sort; }
before=$(sums)
check "a read-only copy of a data directory audits clean" \
    quiet "$I40CTL" audit -d "$T/copy6"
check "... and its data is left as it was" test "$(sums)" = "$before"
# As root the mode bits are no obstacle: read the copy as nobody too,
# who may not write it nor its lock file.
if [ "$(id -u)" = 0 ] && su -s /bin/sh nobody -c "test -x '$I40CTL'" 2>/dev/null; then
	ro=$(mktemp -d /tmp/i40-ro.XXXXXX)
	chmod 755 "$ro"
	cp -a "$T/copy6" "$ro/d"
	chown -R nobody "$ro/d"
	chmod -R a-w "$ro/d"
	touch "$ro/err"
	chown nobody "$ro/err"
	check "... also by a user who may not write it (no lock file)" \
	    su -s /bin/sh nobody -c "TMPDIR=/tmp '$I40CTL' audit -d '$ro/d' >/dev/null 2>'$ro/err'"
	check "... saying that it went without the lock" \
	    grep -q "without LMDB's lock file" "$ro/err"
	chmod -R u+w "$ro"
	rm -rf "$ro"
else
	ok "# SKIP not root, or nobody cannot run $I40CTL: the copy above was read-only to this user already"
fi
chmod -R u+w "$T/copy6"

check "an export on standard input (-) audits clean" \
    quiet sh -c "'$I40CTL' audit - <'$T/fed.i40x'"

size=$(stat -c %s "$T/fed.i40x")
head -c $((size * 2 / 3)) "$T/fed.i40x" >"$T/cut.i40x"
"$I40CTL" audit "$T/cut.i40x" >"$T/cut.out" 2>&1
check "a truncated export: exit 1" test $? = 1
check "... naming the damage and its offset" grep -q "^  damaged .*(offset [0-9]*)" "$T/cut.out"
check "... not clean" grep -q "result: NOT CLEAN" "$T/cut.out"

jq -r .hex docs/vectors/export.json | perl -ne 'chomp; print pack("H*", $_)' >"$T/vec.i40x"
"$I40CTL" audit "$T/vec.i40x" --json >"$T/vec.json" 2>/dev/null
check "the export vector audits to roots.json's log root" test \
    "$(jq -r .log_root "$T/vec.json")" = "$(jq -r .log_root.root docs/vectors/roots.json)"
check "... and its state root" test \
    "$(jq -r .state_root "$T/vec.json")" = "$(jq -r .state_root.root docs/vectors/roots.json)"
check "... and names its fork" test "$(jq -r '.forks | length' "$T/vec.json")" = 1

"$I40CTL" audit >"$T/u.out" 2>&1
check "no FILE and no --datadir: exit 2" test $? = 2
check "... saying what is missing" grep -q "FILE (or --datadir DIR) is missing" "$T/u.out"
"$I40CTL" audit "$T/none.i40x" >"$T/n.out" 2>&1
check "a file that is not there: exit 1, said" sh -c "test $? = 1 && grep -q 'cannot open' '$T/n.out'"
check "--help" sh -c "'$I40CTL' audit --help | grep -q 'usage: i40ctl audit'"
for i in $(seq 1 $N); do
	[ $i = 6 ] || node_stop $i || not_ok "node $i stops cleanly"
done
done_testing
