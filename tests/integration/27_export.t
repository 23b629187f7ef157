#!/usr/bin/env bash
# Test 27 (issue 13, first part): `i40ctl log export` of a running node's
# data directory: the file's trailer counts every stored event and names
# the node's log root; two exports of an idle node are the same bytes; an
# author's log from a seq, and --since the node's own heads, select what
# they say; an existing file is never overwritten; an export taken while
# the daemon writes completes.  `log import` is refused while i40d runs;
# a node made from an export catches up the rest over the network; an
# import into a fresh data directory gives the node's roots, a second one
# changes nothing; a truncated export keeps what came before the damage
# and names its offset.
. "$(dirname "$0")/lib.sh"

fed_create 3
for i in 1 2 3; do
	check "node $i starts" node_start $i
done
for i in 1 2 3; do
	check "node $i publishes" wait_for 20 publish $i "X$i-A"
done
check "node 2 publishes again" publish 2 X2-B
check "all converge" wait_for 30 roots_equal 1 2 3
lg() { "$I40CTL" "$@"; }
# The trailer: type T, length 80, events(8) evidence(8) root(32) digest(32).
trailer_events() { tail -c 80 "$1" | head -c 8 | od -An -tx1 | tr -d ' \n'; }
trailer_root() { tail -c 64 "$1" | head -c 32 | od -An -tx1 | tr -d ' \n'; }
hex16() { printf '%016x' "$1"; }

out=$(lg log export -d "$(dir 1)" -o "$T/all.i40x" --json 2>"$T/all.err")
check "log export of a running node succeeds" test -s "$T/all.i40x" ||
    sed 's/^/# /' "$T/all.err"
events=$(lg status --json -d "$(dir 1)" | jq -r .events)
root=$(lg status --json -d "$(dir 1)" | jq -r .log_root)
check "--json counts every stored event" test "$(jq -r .events <<<"$out")" = "$events"
check "... and names the node's log root" test "$(jq -r .log_root <<<"$out")" = "$root"
check "the trailer counts them too" test "$(trailer_events "$T/all.i40x")" = "$(hex16 "$events")"
check "... and holds the log root" test "$(trailer_root "$T/all.i40x")" = "$root"
check "the file starts with the export magic" \
    test "$(head -c 8 "$T/all.i40x" | od -An -tx1 | tr -d ' \n')" = 894934304c4f470a
check "a summary line on stderr" grep -q "events and 0 pieces of fork evidence" "$T/all.err"
check "a second export of the idle node is the same bytes" \
    sh -c "'$I40CTL' log export -d '$(dir 1)' -o '$T/again.i40x' 2>/dev/null &&
    cmp -s '$T/all.i40x' '$T/again.i40x'"
check "-o FILE that exists is refused" \
    sh -c "! '$I40CTL' log export -d '$(dir 1)' -o '$T/all.i40x' 2>'$T/exists.err'"
check "... saying so" grep -q "the file exists" "$T/exists.err"
check "... and the file is untouched" cmp -s "$T/all.i40x" "$T/again.i40x"
# Two exports to one -o at once, five times: one wins, the other leaves
# the winner's file alone, and no part file is left behind.
race_ok=0
for r in 1 2 3 4 5; do
	lg log export -d "$(dir 1)" -o "$T/race$r.i40x" 2>/dev/null & p1=$!
	lg log export -d "$(dir 1)" -o "$T/race$r.i40x" 2>/dev/null & p2=$!
	wait $p1; a=$?; wait $p2; b=$?
	[ $((a + b)) = 1 ] && cmp -s "$T/race$r.i40x" "$T/all.i40x" &&
	    race_ok=$((race_ok + 1))
done
check "two exports to one -o at once: one file, whole, every time" test $race_ok = 5
check "... and no part file is left" sh -c "! ls '$T'/race*.part >/dev/null 2>&1"
lg log export -d "$(dir 1)" -o "$T/no/such/dir/x.i40x" 2>"$T/nodir.err"
check "-o into a directory that does not exist is refused" test $? = 1
check "... naming the directory" grep -q "the directory $T/no/such/dir does not exist" "$T/nodir.err"
check "standard output as the file" \
    sh -c "'$I40CTL' log export -d '$(dir 1)' 2>/dev/null | cmp -s - '$T/all.i40x'"
lg log export -d "$(dir 1)" >/dev/full 2>"$T/full.err"
check "an export onto a full disk fails" test $? = 1
check "... saying how much room the whole export needs" \
    grep -q "the whole export needs about [0-9]* MB ([0-9]* events at" "$T/full.err"

# One author's log from seq 2.
head2=$(lg status --json -d "$(dir 1)" | jq -r --arg k "${KEY[2]}" '.heads[] | select(.author == $k) | .seq')
out=$(lg log export -d "$(dir 1)" -o "$T/a2.i40x" --author "${KEY[2]}" --from 2 --json 2>/dev/null)
check "--author KEY --from 2 holds that log's events from seq 2 ($head2 in all)" \
    test "$(jq -r .events <<<"$out")" = $((head2 - 1))
check "--from without --author is refused" \
    sh -c "! '$I40CTL' log export -d '$(dir 1)' -o '$T/x.i40x' --from 2 2>/dev/null"
check "--author that is no key is refused" \
    sh -c "! '$I40CTL' log export -d '$(dir 1)' -o '$T/x.i40x' --author 12ab 2>/dev/null"
# What is newer than the node's own heads: nothing.
lg status --json -d "$(dir 1)" >"$T/heads.json"
out=$(lg log export -d "$(dir 1)" -o "$T/none.i40x" --since "$T/heads.json" --json 2>/dev/null)
check "--since the node's own heads exports no event" test "$(jq -r .events <<<"$out")" = 0
check "--since a file that is no status is refused" \
    sh -c "echo '{}' >'$T/bad.json'; ! '$I40CTL' log export -d '$(dir 1)' -o '$T/y.i40x' --since '$T/bad.json' 2>/dev/null"
# Selections that match nothing: said, not silent; another federation's
# heads (which would select everything) and an author not held, refused.
lg log export -d "$(dir 1)" -o "$T/none2.i40x" --since "$T/heads.json" 2>"$T/none.err"
check "... and says that node holds everything" grep -q "nothing is newer than the heads in" "$T/none.err"
jq '.fed_id = "'"$(printf '%064d' 0)"'"' "$T/heads.json" >"$T/otherfed.json"
lg log export -d "$(dir 1)" -o "$T/of.i40x" --since "$T/otherfed.json" 2>"$T/of.err"
check "--since the status of another federation's node is refused" test $? = 1
check "... saying so, and no file is made" sh -c "grep -q 'another federation' '$T/of.err' && test ! -e '$T/of.i40x'"
lg log export -d "$(dir 1)" -o "$T/nk.i40x" --author "$(printf '%064d' 7)" 2>"$T/nk.err"
check "--author a key the node holds no log of is refused" test $? = 1
check "... saying so, and no file is made" sh -c "grep -q 'holds no log of this key' '$T/nk.err' && test ! -e '$T/nk.i40x'"
lg log export -d "$(dir 1)" -o "$T/past.i40x" --author "${KEY[2]}" --from $((head2 + 5)) 2>"$T/past.err"
check "--from past the head: an empty export, with a warning" \
    sh -c "grep -q 'warning: nothing from seq $((head2 + 5)): the node holds this author.s log up to seq $head2' '$T/past.err'"
lg log export -d "$(dir 1)" -o "$T/nf.i40x" --since "$T/missing.json" 2>"$T/nf.err"
check "--since a file that does not exist: said without a line number" \
    sh -c "grep -q 'since: unable to open $T/missing.json' '$T/nf.err' && ! grep -q 'line -1' '$T/nf.err'"

# While the daemon writes.
( for k in 1 2 3 4 5 6; do publish 1 "W1-$k"; done ) &
wpid=$!
check "an export while node 1 writes completes" \
    quiet lg log export -d "$(dir 1)" -o "$T/busy.i40x"
wait $wpid
check "... with a trailer" test "$(tail -c 85 "$T/busy.i40x" | head -c 1)" = T

# A node made from an export catches up the rest over the network.
check "log import is refused while i40d runs on the directory" \
    sh -c "! '$I40CTL' log import '$T/all.i40x' -d '$(dir 3)' 2>'$T/running.err'"
check "... saying so" grep -q "i40d runs on" "$T/running.err"
check "node 3 stops" node_stop 3
rm -rf "$(dir 3)"
quiet lg init -d "$(dir 3)" -g "$T/genesis.i40" -k "$T/n3/node.key" 2>/dev/null
# While an import writes the store, i40d cannot start on it: the import
# holds i40d's own lock (a file that arrives slowly keeps it running).
{ head -c 100 "$T/all.i40x"; sleep 3; tail -c +101 "$T/all.i40x"; } |
    "$I40CTL" log import /dev/stdin -d "$(dir 3)" >/dev/null 2>"$T/slow.err" &
slow=$!
sleep 1
timeout 10 "$I40D" -c "$(conf 3)" >"$T/n3/during.log" 2>&1
check "i40d does not start while an import writes its store" test $? != 0 -a $? != 124
check "... saying the pid file is held" grep -q "i40d.pid" "$T/n3/during.log"
wait $slow
check "... and the import finishes" test $? = 0 || sed 's/^/# /' "$T/slow.err"
out=$(lg log import "$T/all.i40x" -d "$(dir 3)" --json 2>"$T/imp3.err")
check "node 3's fresh data directory holds the earlier export, a second import adds nothing" \
    test "$(jq -r .stored <<<"$out")" = 0 -a "$(jq -r .duplicate <<<"$out")" = "$events" || sed 's/^/# /' "$T/imp3.err"
check "... to that export's log root" test "$(jq -r .log_root <<<"$out")" = "$root"
check "node 3 starts from it" node_start 3
check "... and catches up the rest over the network" wait_for 60 roots_equal 1 2 3

for i in 1 2 3; do
	check "node $i stops cleanly" node_stop $i
done
out=$(lg log export -d "$(dir 1)" -o "$T/stopped.i40x" --json 2>/dev/null)
check "an export with the daemon stopped" \
    test "$(jq -r .log_root <<<"$out")" = "$(lg status --json -d "$(dir 1)" | jq -r .log_root)"

# Import into a fresh data directory: node 1's roots; twice: nothing new.
"$I40CTL" keygen -o "$T/fresh.key" >/dev/null
quiet lg init -d "$T/fresh" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
n1=$(lg status --json -d "$(dir 1)")
out=$(lg log import "$T/stopped.i40x" -d "$T/fresh" --json 2>"$T/imp.err")
check "log import into a fresh data directory succeeds" test $? = 0 ||
    sed 's/^/# /' "$T/imp.err"
fresh=$(lg status --json -d "$T/fresh")
check "... with node 1's log root" test "$(jq -r .log_root <<<"$fresh")" = "$(jq -r .log_root <<<"$n1")"
check "... and node 1's state root" test "$(jq -r .state_root <<<"$fresh")" = "$(jq -r .state_root <<<"$n1")"
check "... saying the log root is the export's" grep -q "the log root is now the export's" "$T/imp.err"
out=$(lg log import "$T/stopped.i40x" -d "$T/fresh" --json 2>/dev/null)
check "a second import stores nothing" test "$(jq -r .stored <<<"$out")" = 0
check "... finds every event held" test "$(jq -r .duplicate <<<"$out")" = "$(jq -r .events <<<"$out")"
check "... and changes no root" test "$(lg status --json -d "$T/fresh" | jq -c '[.log_root, .state_root]')" = "$(jq -c '[.log_root, .state_root]' <<<"$fresh")"

# From standard input (a pipe: ssh, xz -dc): the same roots.
quiet lg init -d "$T/pipe" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
check "log import - reads standard input" \
    sh -c "cat '$T/stopped.i40x' | '$I40CTL' log import - -d '$T/pipe' 2>/dev/null >&2"
check "... to node 1's roots" test "$(lg status --json -d "$T/pipe" | jq -c '[.log_root, .state_root]')" = "$(jq -c '[.log_root, .state_root]' <<<"$n1")"
# A directory given for FILE: said as such, with what was meant.
lg log import "$T/pipe" -d "$T/pipe" 2>"$T/isdir.err"
check "a directory to log import is refused" test $? = 1
check "... as a directory, not an export file" grep -q "is a directory, not an export file" "$T/isdir.err"
lg audit "$T/pipe" 2>"$T/isdir.err" >/dev/null
check "a directory to audit without --datadir is refused" test $? != 0
check "... naming --datadir" grep -q "is a directory: to audit a data directory give --datadir" "$T/isdir.err"

# A disk that fills during the import (ENOSPC on every write from the
# first, by tests/preload/iofail.c): said as a full disk, with what to do;
# the same import once there is room finishes, to node 1's roots.
if ! preloads "$BUILD/tests/iofail.so"; then
	skip 4 "the I/O fault shim cannot be preloaded under AddressSanitizer"
else
	quiet lg init -d "$T/full" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
	I40_IOFAIL_DIR="$T/full" I40_IOFAIL_OP=write I40_IOFAIL_N=1 \
	    I40_IOFAIL_ERRNO=ENOSPC I40_IOFAIL_MODE=persist \
	    LD_PRELOAD="$BUILD/tests/iofail.so" \
	    "$I40CTL" log import "$T/stopped.i40x" -d "$T/full" >/dev/null 2>"$T/full.err"
	check "an import onto a full disk fails" test $? = 1
	check "... saying the data directory is full and to run it again" \
	    grep -q "is full (I40_E_DISK_FULL).*run the same import again" "$T/full.err"
	check "... and once there is room, the same import finishes" \
	    quiet lg log import "$T/stopped.i40x" -d "$T/full"
	check "... to node 1's roots" test "$(lg status --json -d "$T/full" | jq -c '[.log_root, .state_root]')" = "$(jq -c '[.log_root, .state_root]' <<<"$n1")"
fi

# An import stopped by Ctrl-C (here while it waits for more of its input
# on a FIFO): said, with what to do; the same import again finishes it.
quiet lg init -d "$T/intr" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
mkfifo "$T/intr.fifo"
"$I40CTL" log import "$T/intr.fifo" -d "$T/intr" >/dev/null 2>"$T/intr.err" &
ipid=$!
exec 3>"$T/intr.fifo"
head -c $(($(stat -c %s "$T/stopped.i40x") / 2)) "$T/stopped.i40x" >&3
sleep 1
kill -INT $ipid
wait $ipid
check "an interrupted import exits 130" test $? = 130
exec 3>&-
check "... saying that what was stored stays and to run it again" \
    grep -q "interrupted: every batch stored before stays stored.*run the same import again" "$T/intr.err"
check "... and the same import again finishes" quiet lg log import "$T/stopped.i40x" -d "$T/intr"
check "... to node 1's roots" test "$(lg status --json -d "$T/intr" | jq -c '[.log_root, .state_root]')" = "$(jq -c '[.log_root, .state_root]' <<<"$n1")"

# A truncated export: what comes before the damage is kept, its offset said.
size=$(stat -c %s "$T/stopped.i40x")
head -c $((size * 2 / 3)) "$T/stopped.i40x" >"$T/cut.i40x"
quiet lg init -d "$T/cut" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
out=$(lg log import "$T/cut.i40x" -d "$T/cut" --json 2>"$T/cut.err")
rc=$?
check "a truncated export's import fails" test $rc != 0
check "... naming the offset and that it is cut short" \
    grep -q "stopped at offset [0-9]*: .*cut short" "$T/cut.err"
check "... keeping the events before it" \
    test "$(jq -r .stored <<<"$out")" -gt 0 -a "$(jq -r .stored <<<"$out")" -lt "$(jq -r .events <<<"$fresh")"
check "... and the rest comes from the whole file" \
    sh -c "'$I40CTL' log import '$T/stopped.i40x' -d '$T/cut' >/dev/null 2>&1"
check "... to node 1's roots" test "$(lg status --json -d "$T/cut" | jq -c '[.log_root, .state_root]')" = "$(jq -c '[.log_root, .state_root]' <<<"$n1")"

# One flipped byte in the last event's signature: that event is refused,
# named by offset, author and seq, and the digest says the file was changed.
cp "$T/stopped.i40x" "$T/flip.i40x"
at=$((size - 85 - 10))
printf "$(printf '\\%03o' $(( ($(od -An -tu1 -j $at -N1 "$T/flip.i40x") + 1) % 256 )))" |
    dd of="$T/flip.i40x" bs=1 seek=$at conv=notrunc status=none
quiet lg init -d "$T/flip" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
lg log import "$T/flip.i40x" -d "$T/flip" >/dev/null 2>"$T/flip.err"
check "an import of a file with a flipped byte fails" test $? != 0
check "... naming the refused event's author and seq and why" \
    grep -q "the event of [0-9a-f]* at seq [0-9]* is refused: .*I40_E_SIG" "$T/flip.err"
check "... and that the file's digest does not match" \
    grep -q "digest does not match" "$T/flip.err"
check "... and the other events are stored" \
    test "$(lg status --json -d "$T/flip" | jq -r .events)" = $(( $(jq -r .events <<<"$fresh") - 1 ))
# Fork evidence that is none (two events at different seqs, or one event
# twice), in an otherwise whole file whose digest matches: the evidence is
# refused and said, the log's own events are stored, and the exit status
# is 1.  forge_evidence SRC I J OUT: SRC with an F record of its E records
# I and J added (BLAKE2b-256 by b2sum, docs/protocol.md §13.1).
forge_evidence() {
	perl -e '
		local $/; open(my $f, "<:raw", $ARGV[0]) or die; my $d = <$f>;
		my ($at, @e) = (12);
		while ($at < length($d) - 85) {
			my ($t, $n) = unpack("a N", substr($d, $at, 5));
			push @e, substr($d, $at + 5, $n) if $t eq "E";
			$at += 5 + $n;
		}
		my ($x, $y) = @e[$ARGV[1], $ARGV[2]];
		my $t = substr($d, length($d) - 80, 48);
		substr($t, 8, 8) = pack("NN", 0, 1);
		print substr($d, 0, length($d) - 85), "F",
		    pack("NN", 4 + length($x) + length($y), length($x)),
		    $x, $y, "T", pack("N", 80), $t;
	' "$1" "$2" "$3" >"$4.body" &&
	{ cat "$4.body"
	  { printf 'i40/export/v1'; cat "$4.body"; } | b2sum -l 256 |
	      perl -ne "print pack('H64', \$_)"
	} >"$4"
}
for c in "1 2 two seqs" "1 1 one event twice"; do
	read -r i j what <<<"$c"; name="$T/ev$i$j"
	forge_evidence "$T/stopped.i40x" "$i" "$j" "$name.i40x"
	quiet lg init -d "$name" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
	out=$(lg log import "$name.i40x" -d "$name" --json 2>"$name.err")
	check "fork evidence of $what: the import fails" test $? = 1
	check "... saying whose evidence is refused, and why" \
	    grep -q "the fork evidence of [0-9a-f]* at seq [0-9]* is refused (the log's own events are not): .*I40_E_NOT_FORK" "$name.err"
	check "... of a whole file" sh -c "! grep -q 'digest does not match\|stopped at offset' '$name.err'"
	check "... counting it refused" test "$(jq -c '[.evidence, .forks, .evidence_refused]' <<<"$out")" = '[1,0,1]'
	check "... and storing every event" test "$(jq -c '[.refused, .stored + .duplicate]' <<<"$out")" = "[0,$(jq -r .events <<<"$fresh")]"
	check "... to node 1's roots" test "$(lg status --json -d "$name" | jq -c '[.log_root, .state_root]')" = "$(jq -c '[.log_root, .state_root]' <<<"$n1")"
	lg audit "$name.i40x" --json >"$name.audit" 2>/dev/null
	check "... and the audit names it" \
	    test "$(jq -c '[.clean, [.findings[] | select(.kind == "refused") | .error]]' "$name.audit")" = '[false,["I40_E_NOT_FORK"]]'
done
# A node whose head table is damaged (a head marked frozen with no fork
# behind it, as a bad disk or a careless edit leaves it): its log root
# cannot be computed, so its export fails and says what to do; --salvage
# takes every event out, and a node rebuilt from that file by log import
# has the roots node 1 had.
cp -r "$(dir 1)" "$T/damaged"
mdb_dump -s head "$T/damaged/ledger" |
    awk '/^HEADER=END/ { h = 1; print; next }
	h && /^ / && ++n == 2 { sub(/..$/, "01") } { print }' >"$T/head.dump"
mdb_load -s head -f "$T/head.dump" "$T/damaged/ledger" 2>/dev/null
check "a head forged frozen: the node cannot compute its log root" \
    sh -c "! '$I40CTL' status --json -d '$T/damaged' >/dev/null 2>&1 ||
	test \"\$('$I40CTL' status --json -d '$T/damaged' 2>/dev/null | jq -r .log_root)\" != '$(jq -r .log_root <<<"$n1")'"
lg log export -d "$T/damaged" -o "$T/dam.i40x" 2>"$T/dam.err"
check "its export fails" test $? = 1
check "... saying the data directory is damaged and what --salvage does" \
    grep -q "damaged.*--salvage" "$T/dam.err"
check "... leaving no file" test ! -e "$T/dam.i40x"
out=$(lg log export --salvage -d "$T/damaged" -o "$T/salv.i40x" --json 2>"$T/salv.err")
check "log export --salvage takes the events out" test $? = 0 ||
    sed 's/^/# /' "$T/salv.err"
check "... every one" test "$(jq -r .events <<<"$out")" = "$(jq -r .events <<<"$n1")"
check "... with no log root (null)" test "$(jq -r .log_root <<<"$out")" = null
check "... warning that the root cannot be computed" \
    grep -q "warning: .*log root cannot be computed" "$T/salv.err"
quiet lg init -d "$T/rebuilt" -g "$T/genesis.i40" -k "$T/fresh.key" 2>/dev/null
lg log import "$T/salv.i40x" -d "$T/rebuilt" >/dev/null 2>"$T/reb.err"
check "the node rebuilt from the salvage imports it all" test $? = 0 ||
    sed 's/^/# /' "$T/reb.err"
check "... saying the export carries no log root" \
    grep -q "carries no log root" "$T/reb.err"
check "... and has node 1's roots" test "$(lg status --json -d "$T/rebuilt" | jq -c '[.log_root, .state_root]')" = "$(jq -c '[.log_root, .state_root]' <<<"$n1")"
"$I40CTL" audit "$T/salv.i40x" >"$T/salv.audit" 2>&1
check "the salvage does not audit clean: its trailer has no root" \
    test $? = 1 -a -n "$(grep "carries no log root" "$T/salv.audit")"
done_testing
