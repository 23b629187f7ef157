#!/usr/bin/env bash
# Test 4: the router admits current members only (DESIGN.md "Sync",
# PITFALLS.md 2.1).  Against a running node 1, tests/tools/rawpeer tries:
#   (b) a plaintext (NULL mechanism) client: no reply, "router: refused";
#   (a) a CURVE client whose key is in no genesis: no reply, "zap: refused"
#       naming its CURVE key;
#   (c) in-process, the daemon's own link_router_open() with no ZAP handler
#       bound: a member's key is refused too (fails closed), and admitted
#       once a handler runs (the control);
#   (d) a member's key (node 3's; node 3 does not run): a HELLO reply, so
#       the refusals above are not an always-refusing server;
#   (e) the same member with a HELLO of another federation, and one of
#       protocol version 2: each answered with one ERROR naming the cause
#       (I40_E_FED_ID, I40_E_VERSION), as docs/sync.md says.
# (b) runs before (a): i40d logs one "router: refused" line per 10 s for
# all connections, and the refusal in (a) passes through that monitor too.
. "$(dirname "$0")/lib.sh"

RAWPEER=$BUILD/testtools/rawpeer
[ -x "$RAWPEER" ] || bail "$RAWPEER is not built (make $RAWPEER)"

fed_create 3
check "node 1 starts" node_start 1
EP=tcp://127.0.0.1:${PORT[1]}
G=$T/genesis.i40
LOG=$T/n1/log

# rawpeer NAME ARGS...: run it, output in $T/NAME.out, exit status in $rc.
rawpeer() {
	local name=$1; shift
	"$RAWPEER" "$@" >"$T/$name.out" 2>&1
	rc=$?
}
out_has() { grep -q -- "$2" "$T/$1.out"; }
log_has() { grep -q -- "$1" "$LOG"; }

# (b)
rawpeer plain hello --plain --endpoint "$EP" --genesis "$G" --wait 3
check "(b) a plaintext client gets no reply in 3 s" test $rc = 3
# libzmq reports it as HANDSHAKE_FAILED_PROTOCOL or _NO_DETAIL, by timing.
check "(b) its handshake fails (HANDSHAKE_FAILED_*)" \
    out_has plain "monitor: HANDSHAKE_FAILED_"
check "(b) it never completes a handshake" \
    sh -c "! grep -q HANDSHAKE_SUCCEEDED '$T/plain.out'"
check "(b) node 1 logs the refusal (router: refused ... not a CURVE client)" \
    wait_for 5 log_has "router: refused a connection: not a CURVE client"

# (a)
rawpeer stranger hello --random-key --server-pub "${KEY[1]}" \
    --endpoint "$EP" --genesis "$G" --wait 3
ckey=$(sed -n 's/^# client CURVE key: //p' "$T/stranger.out")
check "(a) a key in no genesis gets no reply in 3 s" test $rc = 3
check "(a) ZAP refuses it (HANDSHAKE_FAILED_AUTH, status 400)" \
    out_has stranger "monitor: HANDSHAKE_FAILED_AUTH (400)"
check "(a) it never completes a handshake" \
    sh -c "! grep -q HANDSHAKE_SUCCEEDED '$T/stranger.out'"
check "(a) node 1 logs \"zap: refused\" with its CURVE key" \
    wait_for 5 log_has "zap: refused .*CURVE key $ckey is no current member"

# (c)
rawpeer nozap nozap --key "$T/n3/node.key" --wait 2
check "(c) link_router_open() without a ZAP handler refuses a member" \
    test $rc = 0
check "(c) ... the server received nothing" \
    out_has nozap "server received 0 message(s)"
rawpeer withzap nozap --key "$T/n3/node.key" --with-handler --wait 5
check "(c) ... and admits the same member once a ZAP handler runs" \
    test $rc = 0

# (d)
rawpeer member hello --key "$T/n3/node.key" --server-pub "${KEY[1]}" \
    --endpoint "$EP" --genesis "$G" --wait 5
check "(d) a member's key (node 3's) gets a reply" test $rc = 0
check "(d) ... a HELLO" out_has member "# reply: hello"
check "(d) node 1 did not refuse it" \
    sh -c "! grep -q 'zap: refused.*$(sed -n 's/^# client CURVE key: //p' \
    "$T/member.out")' '$LOG'"

# (e)
rawpeer otherfed hello --key "$T/n3/node.key" --server-pub "${KEY[1]}" \
    --endpoint "$EP" --genesis "$G" --wait 5 --other-fed \
    --expect-error I40_E_FED_ID
check "(e) a HELLO of another federation is answered with ERROR I40_E_FED_ID" \
    test $rc = 0
check "(e) ... whose text says what to check" \
    out_has otherfed "reply: error I40_E_FED_ID (HELLO of another federation: compare the genesis files)"
check "(e) node 1 logs it" \
    wait_for 5 log_has "peer u3.example.se: HELLO of another federation"
rawpeer version2 hello --key "$T/n3/node.key" --server-pub "${KEY[1]}" \
    --endpoint "$EP" --genesis "$G" --wait 5 --version 2 \
    --expect-error I40_E_VERSION
check "(e) a HELLO of protocol version 2 is answered with ERROR I40_E_VERSION" \
    test $rc = 0
check "(e) ... naming both versions" \
    out_has version2 "reply: error I40_E_VERSION (HELLO of protocol version 2; this node speaks 1)"

check "node 1 is still running" kill -0 "${PID[1]}"
check "node 1 stops cleanly" node_stop 1
if [ $FAILED -ne 0 ]; then
	for f in plain stranger nozap withzap member otherfed version2; do
		echo "# --- rawpeer $f:"
		grep -v "CONNECT_\|# monitor: CONNECTED\|DISCONNECTED" \
		    "$T/$f.out" | sed 's/^/#   /'
	done
	echo "# --- node 1's log:"
	sed 's/^/#   /' "$LOG"
fi
done_testing
