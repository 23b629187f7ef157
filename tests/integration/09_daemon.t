#!/usr/bin/env bash
# The daemon as an operator meets it: -n checks, errors that name the
# line, one daemon per datadir, readiness to systemd, SIGHUP reload that
# keeps the old configuration when the new one is bad, clean SIGTERM.
. "$(dirname "$0")/lib.sh"

fed_create 2
c=$(conf 1)
check "i40d -n accepts a good configuration" \
    sh -c "\"$I40D\" -n -c \"$c\" 2>&1 | grep -q 'configuration OK'"
check "i40d -nv prints the normalised configuration" \
    sh -c "\"$I40D\" -nv -c \"$c\" 2>/dev/null | grep -q '^datadir = '"
printf '[node]\ndatadir = %s\nsync_interval = 5x\n' "$(dir 1)" >"$T/bad.conf"
out=$("$I40D" -n -c "$T/bad.conf" 2>&1); rc=$?
check "a bad file is refused with exit 6 (not configured)" test $rc = 6
check "the error names the file and line" \
    sh -c "echo \"\$1\" | grep -q 'bad.conf:3:'" _ "$out"
check "i40d --help exits 0" sh -c "\"$I40D\" --help >/dev/null"
check "i40d without -c is a usage error (2)" \
    sh -c "\"$I40D\" >/dev/null 2>&1; test \$? = 2"

# Readiness: sd_notify on a NOTIFY_SOCKET, read by a small perl listener.
sock="$T/notify.sock"
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM(), Local => $ARGV[0])
	    or die "socket: $!";
	open(my $o, ">>", $ARGV[1]) or die;
	$o->autoflush(1);
	while (defined(my $r = $s->recv(my $buf, 4096))) { print $o "$buf\n"; }
' "$sock" "$T/notify.log" &
LISTENER=$!
wait_for 5 test -S "$sock"
NOTIFY_SOCKET=$sock "$I40D" -c "$c" >>"$T/n1/log" 2>&1 &
PID[1]=$!
check "i40d tells systemd it is ready" wait_for 20 grep -q READY=1 "$T/notify.log"
check "node 2 starts" node_start 2

check "a second i40d on the same datadir is refused" \
    sh -c "\"$I40D\" -c \"$c\" 2>&1 | grep -q 'another i40d runs'"
check "and the first still answers" \
    sh -c "\"$I40CTL\" status --json -d \"$(dir 1)\" | jq -e '.daemon == \"running\"' >/dev/null"

cp "$c" "$T/good.conf"
echo "log_level = nonsense" >>"$c"
kill -HUP "${PID[1]}"
check "SIGHUP with a bad file: logged, not reloaded" \
    wait_for 10 grep -q "has errors, not reloading" "$T/n1/log"
check "the node still works after the bad reload" wait_for 20 publish 1 AFTER-BAD
sed 's/^log_level = .*/log_level = debug/' "$T/good.conf" >"$c"
kill -HUP "${PID[1]}"
check "SIGHUP with a good file reloads it" \
    wait_for 10 grep -q "configuration reloaded" "$T/n1/log"
check "the new log level is in force" \
    grep -q "reloaded from .*: log level debug" "$T/n1/log"
check "systemd heard RELOADING and READY again" \
    sh -c "grep -c READY=1 \"$T/notify.log\" | grep -qv '^1\$' && grep -q RELOADING=1 \"$T/notify.log\""

check "node 1 stops on SIGTERM with status 0" node_stop 1
check "and said STOPPING=1" grep -q STOPPING=1 "$T/notify.log"
check "the control socket is gone" test ! -e "$(dir 1)/control.sock"
out=$("$I40CTL" module publish -d "$(dir 1)" --file "$(module_json X1)" 2>&1)
check "a write with no daemon says how to start one" \
    sh -c "echo \"\$1\" | grep -q 'no i40d is running'" _ "$out"
node_stop 2
kill $LISTENER 2>/dev/null
done_testing
