#!/usr/bin/env bash
# Messages say what happened (issue 11, item 10): a data directory this
# user may not read is a permission problem, not "not an i40 data
# directory"; a JSON syntax error is not "value is not one of those
# allowed"; a write refused before the node's own log is confirmed says
# so once; a missing required option exits 2 with the synopsis.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip_all "needs jq (make deps)"
fed_create 3
check "node 1 starts (alone of 3: it does not sign yet)" node_start 1

# The refusal before the own log is confirmed: one line, said once.
"$I40CTL" module publish -d "$(dir 1)" --file "$(module_json EARLY)" \
    >"$T/out" 2>"$T/err"; rc=$?
sed 's/^/# /' "$T/err"
check "a write before the head is confirmed is refused (1)" test $rc = 1
check "... on one line" test "$(wc -l <"$T/err")" = 1
check "... saying the node does not sign yet" grep -q 'does not sign yet' "$T/err"
check "... with the daemon's reason" grep -q 'other members have confirmed' "$T/err"
check "... and saying it once, not twice" \
    test "$(grep -o 'confirm' "$T/err" | wc -l)" = 1
check "... and what to do" grep -q 'i40ctl status' "$T/err"

# A JSON syntax error, in a module file and in a charter.
printf '{"code": "X1",\n' >"$T/broken.json"
"$I40CTL" module publish -d "$(dir 1)" --file "$T/broken.json" \
    >"$T/out" 2>"$T/err"; rc=$?
sed 's/^/# /' "$T/err"
check "a module file that is not JSON is refused (1)" test $rc = 1
check "... as not valid JSON, with line and column" \
    grep -q 'broken.json: not valid JSON: line 2, column' "$T/err"
check "... without \"value is not one of those allowed\"" \
    sh -c "! grep -q 'not one of those allowed' \"$T/err\""
"$I40CTL" genesis -c "$T/broken.json" -k "$T/n1/node.key" -o "$T/g2.i40" \
    >"$T/out" 2>"$T/err"; rc=$?
check "a charter that is not JSON is refused (1)" test $rc = 1
check "... without \"value is not one of those allowed\"" \
    sh -c "grep -q 'not valid JSON' \"$T/err\" && ! grep -q 'not one of those allowed' \"$T/err\""

# A missing required option is a malformed command line: 2 and the synopsis.
for c in "completion record" "completion revoke" "module publish"; do
	# shellcheck disable=SC2086
	"$I40CTL" $c -d "$(dir 1)" >"$T/out" 2>"$T/err"; rc=$?
	check "i40ctl $c without its required options exits 2 (got $rc)" \
	    test $rc = 2
	check "... naming what is missing" grep -q 'a required field is missing' "$T/err"
	check "... with the synopsis" grep -q "^usage: i40ctl ${c%% *}" "$T/err"
done
"$I40CTL" completion record -d "$(dir 1)" --learner 00 >"$T/out" 2>"$T/err"; rc=$?
check "a bad value is an error, not a usage error (1)" test $rc = 1
printf '{"code": "X1"}\n' >"$T/short.json"
"$I40CTL" module publish -d "$(dir 1)" --file "$T/short.json" \
    >"$T/out" 2>"$T/err"; rc=$?
check "a field missing from --file is the file's error (1)" test $rc = 1

# A data directory this user may not read.  As root, read it as nobody
# (the directories above it searchable, the data directory 0700 root's);
# otherwise, take the permission away.
d=$(dir 2)
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T" "$T/n2"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$I40CTL" status -d "$d" >"$T/out" 2>"$T/err"; rc=$?
else
	chmod 000 "$d"
	"$I40CTL" status -d "$d" >"$T/out" 2>"$T/err"; rc=$?
	chmod 700 "$d"
fi
sed 's/^/# /' "$T/err"
check "status on a data directory it may not read fails (1)" test $rc = 1
check "... as a permission problem" grep -q 'Permission denied' "$T/err"
check "... not as \"not an i40 data directory\"" \
    sh -c "! grep -q 'not an i40 data directory' \"$T/err\""
check "... naming whom to run as" grep -q 'run i40ctl as' "$T/err"
check "... and not sending the person to i40ctl init" \
    sh -c "! grep -q 'i40ctl init' \"$T/err\""

# The daemon says the same about a data directory it may not read.
if [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$I40D" -n -c "$(conf 2)" >"$T/out" 2>"$T/err"; rc=$?
else
	chmod 000 "$d"
	"$I40D" -n -c "$(conf 2)" >"$T/out" 2>"$T/err"; rc=$?
	chmod 700 "$d"
fi
sed 's/^/# /' "$T/err"
check "i40d -n on a data directory it may not read fails (6, got $rc)" \
    test $rc = 6
check "... as a permission problem" grep -q 'Permission denied' "$T/err"
check "... not as \"not an i40 data directory\"" \
    sh -c "! grep -q 'not an i40 data directory' \"$T/err\""
check "... naming whom to run as" grep -q 'run i40d as' "$T/err"

check "node 1 stops" node_stop 1
done_testing
