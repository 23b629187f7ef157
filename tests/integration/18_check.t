#!/usr/bin/env bash
# i40d -n checks everything a start checks (issue 11, item 7): the data
# directory, genesis and key the file names exist and belong to one node
# of one federation, and every [peers] name is another member.  A start
# with such a configuration fails at error level with the real cause and
# exit status 6; a reload refuses unknown peer names and says which
# settings wait for a restart; "configuration OK" goes to stdout; the
# shipped example passes once its paths are this node's.
. "$(dirname "$0")/lib.sh"

fed_create 2
c=$(conf 1)
cp "$c" "$T/good.conf"

# nck DESCRIPTION WANT_RC PATTERN: i40d -n -c $c exits WANT_RC and says
# PATTERN on stderr.
nck() {
	local d=$1 want=$2 pat=$3 rc
	"$I40D" -n -c "$c" >"$T/out" 2>"$T/err"; rc=$?
	sed 's/^/#   /' "$T/err"
	check "$d: -n exits $want (got $rc)" test "$rc" = "$want"
	check "$d: ... saying so" grep -q -- "$pat" "$T/err"
	check "$d: ... and not \"configuration OK\"" \
	    sh -c "! grep -q 'configuration OK' \"$T/out\" \"$T/err\""
}
# start_fails DESCRIPTION PATTERN: a start with $c exits 6 and logs
# PATTERN at error level, and nothing at warn level.
start_fails() {
	local d=$1 pat=$2 rc
	# A start that wrongly succeeds would run on: bound it.
	timeout 20 "$I40D" -c "$c" >"$T/start.log" 2>&1; rc=$?
	check "$d: the start exits 6 (got $rc)" test "$rc" = 6
	check "$d: ... logging the cause at error level" \
	    grep -q -- "error: .*$pat" "$T/start.log"
	check "$d: ... and no warn line" sh -c "! grep -q ' warn: ' \"$T/start.log\""
}

"$I40D" -n -c "$c" >"$T/out" 2>"$T/err"; rc=$?
check "a good configuration: -n exits 0" test $rc = 0
check "... with \"configuration OK\" on stdout" grep -qx 'configuration OK' "$T/out"
check "... and nothing on stderr" test ! -s "$T/err"

# A missing genesis: -n said OK, the start failed at warn level.
cp "$T/good.conf" "$c"; echo "genesis = $T/nowhere.i40" >>"$c"
nck "missing genesis" 6 "genesis: cannot read $T/nowhere.i40: No such file or directory"
start_fails "missing genesis" "nowhere.i40: No such file or directory"
check "missing genesis: no \"does not match\" from the start" \
    sh -c "! grep -q 'does not match' \"$T/start.log\""

# The genesis of another federation.
sed 's/"i40 test federation"/"another federation"/' "$T/charter.json" \
    >"$T/other.json"
"$I40CTL" genesis -c "$T/other.json" -k "$T/n1/node.key" \
    -o "$T/other.i40" >/dev/null
cp "$T/good.conf" "$c"; echo "genesis = $T/other.i40" >>"$c"
nck "another federation's genesis" 6 "founds another federation"
cp "$T/good.conf" "$c"; echo "genesis = $T/genesis.i40" >>"$c"
"$I40D" -n -c "$c" >"$T/out" 2>&1
check "the right genesis passes" grep -qx 'configuration OK' "$T/out"

# A missing key, a key readable by others, another node's key.
cp "$T/good.conf" "$c"; echo "key = $T/n1/missing.key" >>"$c"
nck "missing key" 6 "key: cannot read $T/n1/missing.key: No such file"
start_fails "missing key" "missing.key: No such file or directory"
cp "$T/n1/node.key" "$T/n1/open.key"; chmod 644 "$T/n1/open.key"
cp "$T/good.conf" "$c"; echo "key = $T/n1/open.key" >>"$c"
nck "a key others can read" 6 "chmod 600"
cp "$T/good.conf" "$c"; echo "key = $T/n2/node.key" >>"$c"
nck "another node's key" 6 "belongs to another node"
start_fails "another node's key" "belongs to another node"
cp "$T/good.conf" "$c"; echo "key = $T/n1/node.key" >>"$c"
"$I40D" -n -c "$c" >"$T/out" 2>&1
check "the node's own key kept outside the data directory passes" \
    grep -qx 'configuration OK' "$T/out"
"$I40CTL" keygen -o "$T/stranger.key" >/dev/null
rm "$(dir 1)/node.key"
cp "$T/good.conf" "$c"; echo "key = $T/stranger.key" >>"$c"
"$I40D" -n -c "$c" >"$T/out" 2>"$T/err"; rc=$?
check "a key that is no member (a node that joins later) passes" test $rc = 0
check "... with a warning" grep -q 'warning: key: .* is no member' "$T/err"
cp "$T/n1/node.key" "$(dir 1)/node.key"

# A missing data directory.
cp "$T/good.conf" "$c"
sed -i "s|^datadir = .*|datadir = $T/nodir|" "$c"
nck "missing data directory" 6 "datadir: $T/nodir does not exist"
start_fails "missing data directory" "nodir does not exist"
cp "$T/good.conf" "$c"
"$I40D" -n -c "$c" -d "$T/nodir" >"$T/out" 2>"$T/err"; rc=$?
check "-d overrides the datadir for the check too (6, got $rc)" test $rc = 6

# [peers]: this node itself, a name that is no member, a real member.
cp "$T/good.conf" "$c"; printf '[peers]\nu1.example.se = off\n' >>"$c"
nck "[peers] naming this node" 6 "is this node itself"
start_fails "[peers] naming this node" "is this node itself"
cp "$T/good.conf" "$c"; printf '[peers]\n%s = off\n' "${KEY[1]}" >>"$c"
nck "[peers] naming this node by key" 6 "is this node itself"
cp "$T/good.conf" "$c"; printf '[peers]\nkth.se = off\n' >>"$c"
nck "[peers] naming no member" 6 "kth.se is no member"
cp "$T/good.conf" "$c"; printf '[peers]\nu2.example.se = tcp://127.0.0.1:1\n' >>"$c"
"$I40D" -n -c "$c" >"$T/out" 2>&1
check "[peers] naming a member passes" grep -qx 'configuration OK' "$T/out"
"$I40D" -nv -c "$c" >"$T/out" 2>&1
check "-nv prints the configuration, then OK, on stdout" \
    sh -c "grep -q '^u2.example.se = tcp://127.0.0.1:1' \"$T/out\" && tail -1 \"$T/out\" | grep -qx 'configuration OK'"

# A file with errors: 6 too.
cp "$T/good.conf" "$c"; echo "bogus_key = 5" >>"$c"
nck "an unknown key" 6 "i40d.conf:.*unknown key"

# The shipped example, with this node's paths, passes as it is.
sed -e "s|/var/lib/i40/node.key|$(dir 1)/node.key|" \
    -e "s|/var/lib/i40|$(dir 1)|" -e "s|/etc/i40/genesis.i40|$T/genesis.i40|" \
    docs/i40d.conf.example >"$c"
"$I40D" -n -c "$c" >"$T/out" 2>"$T/err"; rc=$?
sed 's/^/#   /' "$T/err"
check "docs/i40d.conf.example with this node's paths passes" \
    sh -c "test $rc = 0 && grep -qx 'configuration OK' \"$T/out\""

# Reload: listen waits for a restart; unknown peers are refused.
cp "$T/good.conf" "$c"
check "node 1 starts" node_start 1
echo "listen = tcp://127.0.0.1:1" >>"$c"
kill -HUP "${PID[1]}"
check "a changed listen is logged as waiting for a restart" \
    wait_for 10 grep -q "reload: listen changes only at a restart" "$T/n1/log"
check "... and the rest reloads" \
    wait_for 10 grep -q "configuration reloaded" "$T/n1/log"
cp "$T/good.conf" "$c"; printf '[peers]\nkth.se = off\n' >>"$c"
kill -HUP "${PID[1]}"
check "a reload naming no member is refused" \
    wait_for 10 grep -q "has errors, not reloading: .*kth.se is no member" "$T/n1/log"
cp "$T/good.conf" "$c"; printf '[peers]\nu1.example.se = off\n' >>"$c"
kill -HUP "${PID[1]}"
check "a reload naming this node is refused" \
    wait_for 10 grep -q "has errors, not reloading: .*is this node itself" "$T/n1/log"
check "the node still runs" \
    sh -c "\"$I40CTL\" status --json -d \"$(dir 1)\" | jq -e '.daemon == \"running\"' >/dev/null"
cp "$T/good.conf" "$c"
"$I40D" -n -c "$c" >"$T/out" 2>&1
check "-n runs beside the running daemon" grep -qx 'configuration OK' "$T/out"
check "node 1 stops cleanly" node_stop 1
done_testing
