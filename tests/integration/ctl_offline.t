#!/bin/bash
# ctl_offline.t: i40ctl with no daemon running (docs/i40ctl.md): keygen,
# genesis of a 3-member federation, init of three data directories, and
# the queries on them; every write refused with the "no i40d is running"
# message; every subcommand's --help.  Prints TAP; needs jq.
#
# BUILD is the build directory (default build).

set -u
BUILD=${BUILD:-build}
CTL=$BUILD/i40ctl

if [ ! -x "$CTL" ]; then
	echo "1..0 # SKIP $CTL is missing (make $CTL)"
	exit 0
fi
if ! command -v jq >/dev/null; then
	echo "1..0 # SKIP needs jq (make deps)"
	exit 0
fi
case $CTL in /*) ;; *) CTL=$PWD/$CTL ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/i40-ctl-offline-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
cd "$tmp" || exit 1
unset I40_DATADIR

n=0
fail=0
ok() {		# ok STATUS DESCRIPTION: 0 passes
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}
is() {		# is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || echo "# got '$1', want '$2'"
}
show() {	# the stderr of the last command, as TAP comments
	sed 's/^/# /' err
}

# keygen
for i in 1 2 3; do
	"$CTL" keygen -o k$i.key >pk$i 2>err
	ok $? "keygen -o k$i.key"
done
grep -Eqx '[0-9a-f]{64}' pk1
ok $? "keygen prints the public key as 64 lowercase hex digits"
is "$(stat -c %a k1.key)" 600 "the key file has mode 0600"
cp k1.key k1.copy
"$CTL" keygen -o k1.key >out 2>err
is $? 1 "keygen refuses an existing file"
cmp -s k1.key k1.copy
ok $? "... and leaves it as it was"
grep -q "never overwrites" err
ok $? "... and says so"
is "$("$CTL" keygen --public -k k1.key)" "$(cat pk1)" \
    "keygen --public prints the same key"
chmod 644 k1.copy
"$CTL" keygen --public -k k1.copy >out 2>err
is $? 1 "a key file others can read is refused"
grep -q "chmod 600" err
ok $? "... with the fix named"

# genesis: each member's card (key, transport key, certificate) from keygen
for i in 1 2 3; do "$CTL" keygen --public -k k$i.key --json >card$i; done
jq -e 'has("key") and has("transport") and has("transport_sig")' card1 >/dev/null
ok $? "keygen --json prints the member's card"
jq -n --slurpfile c1 card1 --slurpfile c2 card2 --slurpfile c3 card3 '{
  "name": "Ingenjör4.0 test",
  "created": "2026-11-25",
  "qa": "Swedish HEIs under UKÄ quality assurance (ESG part 1)",
  "admit_pct": 50,
  "members": [
    ($c1[0] + {"role": "member", "schac": "hh.se",
     "org_no": "202100-3203", "country": "SE",
     "name_en": "Halmstad University", "name_sv": "Högskolan i Halmstad",
     "endpoint": "tcp://127.0.0.1:17401"}),
    ($c2[0] + {"role": "member", "schac": "kth.se",
     "country": "SE", "name_en": "KTH Royal Institute of Technology",
     "name_sv": "Kungliga Tekniska högskolan",
     "endpoint": "tcp://127.0.0.1:17402"}),
    ($c3[0] + {"role": "member", "schac": "liu.se",
     "country": "SE", "name_en": "Linköping University",
     "name_sv": "Linköpings universitet",
     "endpoint": "tcp://127.0.0.1:17403"})
  ]
}' >charter.json
jq '.members[1].transport_sig = .members[0].transport_sig' charter.json >badcard.json
"$CTL" genesis -c badcard.json -k k1.key -o bad.i40 >/dev/null 2>err
is $? 1 "a charter with another member's certificate is refused"
grep -q "transport_sig" err && grep -q "keygen --public" err
ok $? "... naming the field and where the card comes from"
"$CTL" genesis -c charter.json -k k1.key -o genesis.i40 >fed 2>err
ok $? "genesis of a 3-member charter"
grep -Eqx '[0-9a-f]{64}' fed
ok $? "genesis prints the fed_id"
[ -s genesis.i40 ]
ok $? "genesis writes the event"
"$CTL" genesis -c charter.json -k k1.key -o genesis.i40 >out 2>err
is $? 1 "genesis refuses an existing output file"
"$CTL" keygen -o stranger.key >/dev/null 2>&1
"$CTL" genesis -c charter.json -k stranger.key -o g2.i40 >out 2>err
is $? 1 "genesis refuses a signer who is not a founding member"
grep -q "not a founding member" err
ok $? "... and says so"
[ ! -e g2.i40 ]
ok $? "... and writes nothing"
sed 's/"admit_pct": 50/"admit_pct": 40/' charter.json >bad.json
"$CTL" genesis -c bad.json -k k1.key -o g3.i40 >out 2>err
is $? 1 "genesis refuses admit_pct 40"
grep -q "admit_pct" err
ok $? "... naming the field"
"$CTL" genesis -c charter.json -k k1.key -o g4.i40 --json >out 2>err
is "$(jq -r '.members | length' out)" 3 "genesis --json lists the members"

# init
for i in 1 2 3; do
	"$CTL" init -d n$i -g genesis.i40 -k k$i.key >out 2>err
	ok $? "init n$i"
	show
done
is "$(stat -c %a n1/node.key)" 600 "init writes node.key with mode 0600"
is "$(stat -c %a n1)" 700 "the data directory has mode 0700"
grep -q "i40d -c" out
ok $? "init prints the next steps"
"$CTL" init -d n1 -g genesis.i40 -k k1.key >out 2>err
is $? 1 "init refuses a data directory that is not empty"
"$CTL" init -d n4 -g genesis.i40 -k stranger.key >out 2>err
ok $? "init accepts a key that is not a founding member"
grep -q "warning: .*not a founding member" err
ok $? "... with a warning"
head -c 100 genesis.i40 >cut.i40
"$CTL" init -d n5 -g cut.i40 -k k1.key >out 2>err
is $? 1 "init refuses a truncated genesis"
[ ! -e n5 ]
ok $? "... and creates nothing"

# queries with the daemon stopped
is "$("$CTL" catalog --json -d n1 | jq -c .)" '{"modules":[]}' \
    "catalog --json of an empty catalog"
"$CTL" catalog --json -d n1 >c1
"$CTL" catalog --json -d n2 >c2
"$CTL" catalog --json -d n3 >c3
cmp -s c1 c2 && cmp -s c1 c3
ok $? "catalog --json is the same bytes on all three"
I40_DATADIR=n2 "$CTL" catalog --json >c4 2>err
cmp -s c1 c4
ok $? "catalog reads \$I40_DATADIR"
for i in 1 2 3; do
	"$CTL" status --json -d n$i >s$i 2>err
	ok $? "status --json -d n$i with no daemon"
done
is "$(jq -r .daemon s1)" stopped "status says the daemon is stopped"
is "$(jq -c .peers s1)" "[]" "... and lists no peers"
is "$(jq -r .key s2)" "$(cat pk2)" "status shows the node's own key"
is "$(jq -r .events s1)" 1 "status counts the genesis"
is "$(jq -r '.heads | length' s1)" 1 "status lists one head"
is "$(jq -r .heads[0].schac s1)" hh.se "... with its SCHAC code"
is "$(jq -r .fed_id s3)" "$(cat fed)" "status shows the fed_id"
lr=$(jq -r .log_root s1)
sr=$(jq -r .state_root s1)
echo "$lr" | grep -Eqx '[0-9a-f]{64}'
ok $? "status --json has a log_root"
is "$(jq -r .log_root s2) $(jq -r .log_root s3)" "$lr $lr" \
    "the log root is the same on all three"
is "$(jq -r .state_root s2) $(jq -r .state_root s3)" "$sr $sr" \
    "the state root is the same on all three"
"$CTL" status -d n1 >out 2>err
grep -q "daemon *not running" out
ok $? "status says \"not running\" to people"
"$CTL" catalog -d nowhere >out 2>err
is $? 1 "catalog of a missing data directory fails"
grep -q "i40ctl init" err
ok $? "... and says how to make one"

# writes need the daemon
"$CTL" module publish -d n1 --code I40-ROB1 --title-sv Robotar \
    --title-en Robots --hp 1.5 --hours 20 --eqf 6 --cycle first \
    --mode online --pace mixed --lang sv --assessment project \
    --supervision supervised --summary-sv "Om robotar." \
    --outcome-sv "Programmera en robot." >out 2>err
is $? 1 "module publish with no daemon fails"
grep -q "no i40d is running on n1" err
ok $? "... saying no i40d is running"
grep -q "systemctl start i40d" err
ok $? "... and how to start it"
touch n1/i40d.pid
"$CTL" module retire -d n1 --code I40-ROB1 >out 2>err
is $? 1 "a stale pid file is no daemon"
grep -q "no i40d is running" err
ok $? "... it says so too"
"$CTL" completion revoke -d n2 --id "$(cat fed)" --reason "Wrong learner." \
    >out 2>err
is $? 1 "completion revoke with no daemon fails"
grep -q "no i40d is running" err
ok $? "... saying no i40d is running"
"$CTL" sync -d n3 >out 2>err
is $? 1 "sync with no daemon fails"
"$CTL" peers -d n3 >out 2>err
is $? 1 "peers with no daemon fails"
grep -q "no i40d is running" err
ok $? "... saying no i40d is running"
"$CTL" module publish -d n1 --code i40-rob1 >out 2>err
is $? 1 "a bad field is refused before the daemon is asked"
grep -q "code (--code)" err
ok $? "... naming the field and its flag"

# help and usage
for c in keygen genesis init module "module publish" "module update" \
    "module retire" completion "completion record" "completion revoke" \
    catalog status peers sync; do
	# shellcheck disable=SC2086
	"$CTL" $c --help >out 2>err
	ok $? "i40ctl $c --help"
	grep -q "^usage: i40ctl" out
	ok $? "... prints usage on stdout"
done
"$CTL" --help >out 2>err
ok $? "i40ctl --help"
grep -q "catalog" out
ok $? "... lists the subcommands"
"$CTL" help status >out 2>err
ok $? "i40ctl help status"
"$CTL" frobnicate >out 2>err
is $? 1 "an unknown subcommand exits 1"
grep -q "usage:" err
ok $? "... with usage on stderr"
"$CTL" >out 2>err
is $? 2 "no subcommand exits 2"
"$CTL" catalog --bogus >out 2>err
is $? 2 "an unknown option exits 2"
grep -q -- "--bogus" err
ok $? "... naming it"

echo "1..$n"
exit $fail
