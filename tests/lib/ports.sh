# ports.sh: free TCP ports for local federations, shared by the
# integration tests (tests/integration/lib.sh) and make demo (demo/run.sh).
# Source it; it defines free_port and the USED_PORTS it keeps.

# A TCP port below the kernel's ephemeral range (so no outgoing connection
# of a daemon can hold it when its node starts), unused now by any socket,
# and not handed out before in this run: into FREE_PORT (not echoed: a
# subshell would forget USED_PORTS).
USED_PORTS=" "
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$lo" -gt 11000 ] 2>/dev/null || lo=32768
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		case $USED_PORTS in *" $p "*) continue ;; esac
		if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
			USED_PORTS="$USED_PORTS$p "
			FREE_PORT=$p
			return
		fi
	done
}
