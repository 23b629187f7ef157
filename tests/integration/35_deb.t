#!/usr/bin/env bash
# Test 35 (issue 16): the Debian package.  `make deb` builds it and
# lintian finds no error; installed (as root, skipped otherwise), it
# brings i40d, i40ctl, their manual pages, the unit and the i40 user,
# and neither enables nor starts the unit (a node needs its key and
# genesis first); i40d then runs the way the unit starts it (as i40, in
# its state directory) and answers i40ctl; purged, it leaves nothing of
# its own behind.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

[ "$(id -u)" = 0 ] || skip_all "installing a package needs root"
command -v dpkg-buildpackage >/dev/null || skip_all "no dpkg-buildpackage (make deps)"
if dpkg-query -W -f='${Status}' i40 2>/dev/null | grep -q 'ok installed'; then
	skip_all "an i40 package is installed already: not replaced by a test"
fi
if getent passwd i40 >/dev/null || [ -e /var/lib/i40 ] || [ -e /etc/i40 ]; then
	skip_all "this machine has an i40 user, /var/lib/i40 or /etc/i40 already"
fi

# The package, built from this tree into $T.
make -s -C "$SRC" deb BUILD="$T/b" >"$T/deb.log" 2>&1; rc=$?
check "make deb builds the package, lintian finding no error (rc $rc)" test $rc = 0 ||
    sed 's/^/#   /' "$T/deb.log" | tail -20
DEB=$(ls "$T"/b/i40_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || bail "no package was built"
cleanup_pkg() {
	dpkg --purge i40 >/dev/null 2>&1
	getent passwd i40 >/dev/null && userdel i40 2>/dev/null
	getent group i40 >/dev/null && groupdel i40 2>/dev/null
	rm -rf /var/lib/i40 /etc/i40
}
trap 'kill -9 ${PKGPID:-} 2>/dev/null; cleanup_pkg; cleanup' EXIT

check "it installs" quiet dpkg -i "$DEB"
check "... i40d and i40ctl in /usr/bin" test -x /usr/bin/i40d -a -x /usr/bin/i40ctl
check "... the manual pages" test -f /usr/share/man/man8/i40d.8.gz -a \
    -f /usr/share/man/man1/i40ctl.1.gz -a -f /usr/share/man/man5/i40d.conf.5.gz
check "... which read as manual pages" \
    eval 'zcat /usr/share/man/man8/i40d.8.gz | grep -q "^\.TH \"*i40d"'
UNIT=/lib/systemd/system/i40d.service
check "... the unit, with the package's path" grep -qx 'ExecStart=/usr/bin/i40d -c /etc/i40/i40d.conf' "$UNIT"
check "... hardened as the issue asks" eval 'grep -qx "ProtectSystem=strict" "$UNIT" &&
    grep -qx "PrivateTmp=yes" "$UNIT" && grep -qx "NoNewPrivileges=yes" "$UNIT" &&
    grep -qx "StateDirectory=i40" "$UNIT" && grep -qx "Type=notify" "$UNIT"'
check "... the i40 system user" eval 'getent passwd i40 | grep -q "^i40:x:[0-9]*:[0-9]*:"'
check "... a system account (uid below 1000)" test "$(id -u i40)" -lt 1000
check "... and the unit neither enabled nor started" \
    test ! -e /etc/systemd/system/multi-user.target.wants/i40d.service
check "the example configuration is there to start from" test -f /usr/share/doc/i40/i40d.conf.example
check "the installed i40ctl runs" quiet /usr/bin/i40ctl --version

# A node of a federation of one, set up as docs/operations.md says, run
# as the unit runs it: as i40, from /etc/i40/i40d.conf, in /var/lib/i40.
fed_create 1
install -d -m 0700 -o i40 -g i40 /var/lib/i40
install -m 0600 -o i40 -g i40 "$T/n1/node.key" /var/lib/i40/node.key
install -m 0644 "$T/genesis.i40" /etc/i40/genesis.i40
check "i40ctl init, as i40" quiet setpriv --reuid=i40 --regid=i40 --init-groups \
    /usr/bin/i40ctl init -d /var/lib/i40/data -g /etc/i40/genesis.i40 -k /var/lib/i40/node.key
free_port
HTTP=$FREE_PORT
cat >/etc/i40/i40d.conf <<INI
[node]
name = pkg
datadir = /var/lib/i40/data
genesis = /etc/i40/genesis.i40
key = /var/lib/i40/node.key
listen = tcp://127.0.0.1:${PORT[1]}

[http]
listen = 127.0.0.1:$HTTP
INI
check "i40d -n accepts the configuration, as i40" quiet setpriv --reuid=i40 \
    --regid=i40 --init-groups /usr/bin/i40d -n -c /etc/i40/i40d.conf
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
# shellcheck disable=SC2086
setpriv --reuid=i40 --regid=i40 --init-groups --no-new-privs $exec_start \
    >"$T/pkg.log" 2>&1 &
PKGPID=$!
check "i40d starts as the unit starts it" wait_for 20 test -S /var/lib/i40/data/control.sock
check "... running as i40" test "$(ps -o user= -p $PKGPID)" = i40
check "... and i40ctl status sees it" eval '/usr/bin/i40ctl status -d /var/lib/i40/data --json |
    jq -e ".daemon == \"running\"" >/dev/null'
check "... /healthz answers" eval '[ "$(curl -s --max-time 5 http://127.0.0.1:$HTTP/healthz)" = ok ]'
check "... and /readyz says ready once it signs" wait_for 20 eval \
    '[ "$(curl -s -o /dev/null -w "%{http_code}" --max-time 5 http://127.0.0.1:$HTTP/readyz)" = 200 ]'
kill -TERM $PKGPID; wait $PKGPID; rc=$?
check "... and stops on SIGTERM, exit 0 (got $rc)" test $rc = 0

check "it purges" quiet dpkg --purge i40
check "... the programs, pages and unit gone" eval 'test ! -e /usr/bin/i40d &&
    test ! -e /usr/bin/i40ctl && test ! -e /usr/share/man/man8/i40d.8.gz &&
    test ! -e "$UNIT"'
check "... dpkg knows it no more" sh -c "! dpkg-query -W -f='\${Status}' i40 2>/dev/null | grep -q installed"
check "... and the node's data is the operator's: left in /var/lib/i40" test -d /var/lib/i40/data
done_testing
