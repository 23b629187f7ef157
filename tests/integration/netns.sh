# shellcheck shell=bash
# netns.sh: network namespaces for the integration tests that need root.
# Source it after lib.sh.  Every namespace is named i40t-<random>-..., so
# parallel runs and leftovers of killed runs do not collide; the EXIT trap
# (lib.sh's cleanup, then ns_teardown) removes this run's namespaces.
#
#   ns_require               skip_all unless root with ip netns, veth, a
#                            bridge and nftables (bridge family) all working
#   ns_setup N               a "switch" namespace holding bridge br0 and N
#                            node namespaces, node I at 10.77.0.I/24 on a
#                            veth into br0; sets HOST_I for fed_create
#   ns_name I                node I's namespace
#   ns_exec I CMD...         run CMD in node I's namespace
#   ns_reach I J             node I reaches node J over TCP
#   node_start I             (overrides lib.sh) start i40d in node I's
#                            namespace; PID[I] is i40d itself
#   ns_partition "A..." "B..."  drop, on the bridge, every IPv4 packet
#                            between a node of group A and a node of group B
#   ns_partition_drops       packets the partition has dropped so far
#   ns_heal                  remove the partition
#   ns_teardown              kill what runs in this run's namespaces (by
#                            pid) and delete them

NS_PREFIX=i40t-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS_SW=$NS_PREFIX-sw
NS_SUBNET=10.77.0
NS_LIST=()

ns_name() { echo "$NS_PREFIX-$1"; }
ns_addr() { echo "$NS_SUBNET.$1"; }
ns_exec() { local i=$1; shift; ip netns exec "$(ns_name "$i")" "$@"; }
ns_sw() { ip netns exec "$NS_SW" "$@"; }

ns_teardown() {
	local ns p
	for ns in "${NS_LIST[@]}"; do
		# Anything still running in a namespace of ours was started by
		# this run; lib.sh's cleanup has already killed the daemons.
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
	done
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
}

ns_cleanup_all() {
	local rc=$?
	cleanup
	ns_teardown
	exit $rc
}
trap ns_cleanup_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

ns_add() {
	ip netns add "$1" 2>/dev/null || return 1
	NS_LIST+=("$1")
	ip -n "$1" link set lo up
}

# ns_require: skip the whole test unless everything it needs works.  Leaves
# the switch namespace in place for ns_setup.
ns_require() {
	local why
	[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, nftables)"
	command -v ip >/dev/null || skip_all "ip (iproute2) not installed"
	command -v nft >/dev/null || skip_all "nft (nftables) not installed"
	ns_add "$NS_SW" || skip_all "ip netns add fails here"
	ip -n "$NS_SW" link add br0 type bridge 2>/dev/null ||
	    skip_all "cannot create a bridge in a network namespace"
	ip -n "$NS_SW" link add vprobe0 type veth peer name vprobe1 2>/dev/null ||
	    skip_all "cannot create a veth pair"
	ip -n "$NS_SW" link del vprobe0
	why=$(ns_sw nft -f - 2>&1 <<'NFT'
table bridge i40probe {
	chain filter_fw {
		type filter hook forward priority 0; policy accept;
		ip saddr 10.77.0.1 ip daddr 10.77.0.2 counter drop
	}
}
NFT
) || skip_all "nftables bridge filtering unusable: $(echo "$why" | head -1)"
	ns_sw nft delete table bridge i40probe
}

ns_setup() {
	local n=$1 i ns
	ip -n "$NS_SW" link set br0 type bridge stp_state 0 forward_delay 0 \
	    2>/dev/null
	ip -n "$NS_SW" link set br0 up || return 1
	for i in $(seq 1 "$n"); do
		ns=$(ns_name "$i")
		ns_add "$ns" || return 1
		ip -n "$ns" link add eth0 type veth peer name "v$i" \
		    netns "$NS_SW" || return 1
		ip -n "$ns" addr add "$(ns_addr "$i")/24" dev eth0 || return 1
		ip -n "$ns" link set eth0 up || return 1
		ip -n "$NS_SW" link set "v$i" master br0 up || return 1
		eval "HOST_$i=$(ns_addr "$i")"
	done
}

# ns_reach I J: node I reaches node J: a TCP connection from I's namespace
# to port 1 of J is answered (refused or accepted) within 2 s.  (No ping
# here; a dropped or unanswered SYN times out.)
ns_reach() {
	ns_exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$(ns_addr "$2")/1" \
	    >/dev/null 2>&1
	[ $? -ne 124 ]
}

node_start() {
	local i=$1
	ip netns exec "$(ns_name "$i")" "$I40D" -c "$(conf "$i")" \
	    >>"$T/n$i/log" 2>&1 &
	# shellcheck disable=SC2034  # lib.sh's node_stop, node_kill, cleanup
	PID[$i]=$!
	wait_for 20 test -S "$(dir "$i")/control.sock" ||
	    { echo "# node $i did not start:"; tail -5 "$T/n$i/log" | sed 's/^/#   /'; return 1; }
}

# ns_partition "1 2 3" "4 5": drop traffic between the two groups.
ns_partition() {
	local a="" b="" i sep=""
	for i in $1; do a="$a$sep$(ns_addr "$i")"; sep=", "; done
	sep=""
	for i in $2; do b="$b$sep$(ns_addr "$i")"; sep=", "; done
	ns_sw nft -f - <<NFT
table bridge i40part {
	set a { type ipv4_addr; elements = { $a } }
	set b { type ipv4_addr; elements = { $b } }
	chain filter_fw {
		type filter hook forward priority 0; policy accept;
		ip saddr @a ip daddr @b counter drop
		ip saddr @b ip daddr @a counter drop
	}
}
NFT
}

ns_partition_drops() {
	ns_sw nft list table bridge i40part 2>/dev/null |
	    awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
}

ns_heal() { ns_sw nft delete table bridge i40part; }
