#!/usr/bin/env bash
# An operator's first hour (issue 11, item 8): --version on both programs;
# the README's install steps run as they are written (as root, with a
# throwaway user in place of i40 and every absolute path under $T); the
# documented hot backup with mdb_copy, which make deps installs; the unit
# file is valid, keeps the data directory the user's, and does not
# restart after a configuration error.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

# --version: release, protocol, schema, the libraries at run time.
schema=$(sed -n 's/^#define STORE_SCHEMA \([0-9]*\)$/\1/p' "$SRC/store/store.h")
proto=$(sed -n 's/^#define MSG_PROTOCOL_VERSION \([0-9]*\)$/\1/p' "$SRC/protocol/msg.h")
for p in i40d i40ctl; do
	"$BUILD/$p" --version >"$T/v.$p" 2>"$T/v.err"; rc=$?
	sed 's/^/#   /' "$T/v.$p"
	check "$p --version exits 0 (got $rc)" test $rc = 0
	check "... names itself and its release" \
	    grep -Eqx "$p [0-9]+\.[0-9]+\.[0-9]+" "$T/v.$p"
	check "... the protocol version ($proto)" \
	    grep -Eqx "protocol $proto, events v[0-9]+" "$T/v.$p"
	check "... the store schema ($schema)" grep -qx "store schema $schema" "$T/v.$p"
	for lib in libsodium:libsodium libzmq:libzmq LMDB:lmdb msgpack-c:msgpack; do
		v=$(pkg-config --modversion "${lib#*:}" 2>/dev/null)
		check "... ${lib%%:*} ${v:-?}" grep -qx "${lib%%:*} $v" "$T/v.$p"
	done
done
check "i40d and i40ctl are of one release" \
    test "$(head -1 "$T/v.i40d" | cut -d' ' -f2)" = "$(head -1 "$T/v.i40ctl" | cut -d' ' -f2)"
check "i40ctl --version says which jansson" grep -q '^jansson [0-9]' "$T/v.i40ctl"

# mdb_copy, which the docs use, comes with make deps.
if grep -q mdb_copy "$SRC/README.md" "$SRC"/docs/*.md; then
	check "make deps installs lmdb-utils (the docs use mdb_copy)" \
	    grep -Eq '^[[:space:]]*(DEB_PKGS = .*|.*)\blmdb-utils\b' "$SRC/Makefile"
	check "... and mdb_copy is there" quiet command -v mdb_copy
fi

# The unit: no restart after the exit status of a configuration error.
unit=$SRC/docs/i40d.service
printf '[node]\ndatadir = %s/nowhere\n' "$T" >"$T/bad.conf"
"$BUILD/i40d" -c "$T/bad.conf" >/dev/null 2>&1; cfg_rc=$?
"$BUILD/i40d" -x >/dev/null 2>&1; usage_rc=$?
prevent=$(sed -n 's/^RestartPreventExitStatus=//p' "$unit")
check "a configuration error exits 6 (got $cfg_rc)" test $cfg_rc = 6
check "the unit does not restart after it (RestartPreventExitStatus=$prevent)" \
    sh -c "echo ' $prevent ' | grep -q ' $cfg_rc '"
check "... nor after a bad command line ($usage_rc)" \
    sh -c "echo ' $prevent ' | grep -q ' $usage_rc '"
check "the unit restarts on other failures" grep -qx 'Restart=on-failure' "$unit"
check "... and has no ExecStartPre= (whose failure systemd would restart)" \
    sh -c "! grep -q '^ExecStartPre=' \"$unit\""
check "the unit keeps the data directory the user's (StateDirectory=i40)" \
    sh -c "grep -qx 'StateDirectory=i40' \"$unit\" && grep -qx 'StateDirectoryMode=0700' \"$unit\""

if [ "$(id -u)" != 0 ]; then
	ok "the README's install steps # SKIP they need root (useradd, install -o)"
	done_testing
	exit
fi

# The README's steps, as written: the indented lines of its Operations
# section up to "Day to day", comments cut.  Only what cannot run here is
# changed: the paths (under $T), the user (a throwaway one), sudo (we are
# root: `sudo -u U` becomes setpriv, which keeps PATH), make (this build),
# systemctl (the unit's ExecStart, run as its User=).
U=i40t$$
trap 'cleanup; userdel "$U" 2>/dev/null; groupdel "$U" 2>/dev/null' EXIT
chmod 755 "$T"
mkdir -p "$T/etc/systemd/system" "$T/var/lib" "$T/var/backups" "$T/work"
export PATH="$T/usr/local/bin:$PATH"
sudo() {
	if [ "$1" = -u ]; then
		local u=$2; shift 2
		setpriv --reuid="$u" --regid="$u" --init-groups "$@"
	else
		"$@"
	fi
}
here() {	# the test's paths and user for the README's
	sed -e "s|/etc/systemd/system/|$T/etc/systemd/system/|g" \
	    -e "s|/etc/i40|$T/etc/i40|g" -e "s|/var/lib/i40|$T/var/lib/i40|g" \
	    -e "s|/var/backups/i40|$T/var/backups/i40|g" \
	    -e "s|/usr/local|$T/usr/local|g" \
	    -e "s/-o i40 -g i40/-o $U -g $U/g" -e "s/sudo -u i40 /sudo -u $U /g" \
	    -e "s/ i40\$/ $U/"
}
sed -n '/^## Operations/,/^Day to day/p' "$SRC/README.md" |
    sed -n 's/^    \(.*[^ ]\)/\1/p' | sed 's/  *# .*//' >"$T/steps"
check "the README has install steps" test "$(wc -l <"$T/steps")" -ge 10
free_port
port=$FREE_PORT
cd "$T/work" || bail "cd $T/work"
n=0
while IFS= read -r step; do
	n=$((n + 1))
	cmd=$(printf '%s\n' "$step" | here)
	case $step in
	*"make deps"*)
		cmd="make -s -C '$SRC' BUILD='$BUILD' deps all >/dev/null &&
		    make -s -C '$SRC' BUILD='$BUILD' DESTDIR='$T' install" ;;
	*"systemctl"*)
		# What systemd would run: ExecStart=, as User=.
		exe=$(sed -n 's/^ExecStart=//p' "$T/etc/systemd/system/i40d.service" | here)
		user=$(sed -n 's/^User=//p' "$T/etc/systemd/system/i40d.service")
		check "the installed unit runs as i40" test "$user" = i40
		echo "# step $n: $exe (as $U, for: $step)"
		# Not through the sudo function: $! must be i40d itself.
		# shellcheck disable=SC2086
		setpriv --reuid="$U" --regid="$U" --init-groups $exe \
		    >>"$T/daemon.log" 2>&1 &
		PID[1]=$!
		check "step $n: i40d runs as the unit starts it" \
		    wait_for 20 test -S "$T/var/lib/i40/control.sock"
		continue ;;
	journalctl*)
		echo "# step $n: not run (it follows the journal): the log is $T/daemon.log"
		continue ;;
	*"i40ctl genesis"*)
		# The member's card, as keygen --json printed it.
		jq -c --arg ep "tcp://127.0.0.1:$port" '{"name":"i40 install test","created":"2026-11-25","qa":"Test members under test quality assurance","admit_pct":50,"members":[. + {"role":"member","schac":"hh.se","country":"SE","name_en":"Halmstad University","name_sv":"Högskolan i Halmstad","endpoint":$ep}]}' \
		    "$T/step.key" >charter.json
		;;
	esac
	echo "# step $n: $cmd"
	eval "$cmd" >"$T/step.out" 2>"$T/step.err"; rc=$?
	sed 's/^/#   /' "$T/step.err" | head -5
	check "step $n as written: $step" test $rc = 0
	case $step in
	*"i40ctl keygen"*) cp "$T/step.out" "$T/step.key" ;;
	*i40d.conf.example*)
		# The operator's edit: name, and listen on this test's port.
		here <"$T/etc/i40/i40d.conf" |
		    sed -e "s/^name = .*/name = hh/" \
		    -e "s|^listen = .*|listen = tcp://127.0.0.1:$port|" \
		    >"$T/conf.new" && cat "$T/conf.new" >"$T/etc/i40/i40d.conf" ;;
	*"i40d -n"*)
		check "... prints configuration OK on stdout" \
		    grep -qx 'configuration OK' "$T/step.out" ;;
	*"i40ctl init"*)
		check "... the data directory is the user's, mode 0700" \
		    test "$(stat -c '%U %a' "$T/var/lib/i40")" = "$U 700" ;;
	esac
done <"$T/steps"
check "every step ran, the start included" test -n "${PID[1]:-}"
check "i40ctl status as the user sees the daemon running" \
    sh -c "setpriv --reuid=$U --regid=$U --init-groups i40ctl status --json -d '$T/var/lib/i40' | jq -e '.daemon == \"running\"' >/dev/null"
unit_here="$T/unit/i40d.service"
mkdir -p "$T/unit"
here <"$T/etc/systemd/system/i40d.service" >"$unit_here"
systemd-analyze verify "$unit_here" >"$T/verify.out" 2>&1; rc=$?
sed 's/^/#   /' "$T/verify.out"
check "systemd-analyze verify finds nothing wrong with the unit" \
    sh -c "test $rc = 0 && ! grep -v 'Cannot add dependency job\|Failed to' '$T/verify.out' | grep -q ."

# The hot backup of docs/operations.md, "Backups", while the node runs.
sed -n '/^## Backups/,/^## Moving/p' "$SRC/docs/operations.md" |
    sed -n 's/^      \(.*[^ ]\)/\1/p' | sed 's/  *# .*//' >"$T/backup"
check "operations.md gives the backup's command lines" \
    grep -q 'mdb_copy -c /var/lib/i40/ledger' "$T/backup"
n=0
while IFS= read -r step; do
	n=$((n + 1))
	cmd=$(printf '%s\n' "$step" | here)
	eval "$cmd" >"$T/step.out" 2>"$T/step.err"; rc=$?
	sed 's/^/#   /' "$T/step.err" | head -5
	check "backup step $n as written: $step" test $rc = 0
done <"$T/backup"
check "the backup reads as the node, stopped" \
    sh -c "setpriv --reuid=$U --regid=$U --init-groups i40ctl status --json -d '${B:-}' | jq -e '.daemon == \"stopped\" and .events >= 1' >/dev/null"
check "the node stops cleanly" node_stop 1
done_testing
