#!/bin/bash
# Guest side of the real-kernel tier: build the seed's network and storage.
#
#   topology.sh STATE_DIR VIP CLIENT_ADDR DIRECTOR_ADDR NODE=ADDR [NODE=ADDR ...]
#
# One L2 segment (bridge br0 in the guest's root namespace) joins network
# namespaces: "client", "director" (h0: the LVS director, holds the VIP on eth0)
# and one per real server. Every address is a /24 on that segment.
#
# Shared data, as in the seed: one GFS2 filesystem (lock_nolock) on a loop device,
# created and filled here by the storage side, then mounted read-only by every real
# server. Each real server also gets its own mount namespace with private tmpfs on
# /var/run/cluster and /etc/cluster, so pid files and generated configs of one node
# are invisible to the others (network namespaces alone share the filesystem).
# A holder process ("sleep infinity") keeps each node's namespaces alive; its pid
# is written to STATE_DIR/<node>.pid, and nsenter -t PID -m -n enters the node.
set -euo pipefail
state=$1 vip=$2 client=$3 director=$4; shift 4
mkdir -p "$state"

modprobe -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc bridge veth gfs2 loop

ip link add br0 type bridge
ip link set br0 up
attach() { # namespace address
  ip netns add "$1"
  ip link add eth0 type veth peer name "br-$1"
  ip link set eth0 netns "$1"
  ip link set "br-$1" master br0 up
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$2/24" dev eth0
  ip -n "$1" link set eth0 up
}
attach client "$client"
attach director "$director"
ip -n director addr add "$vip/32" dev eth0

# --- the shared GFS2 filesystem (the seed's h0 is also the storage server)
img=$state/gfs2.img
truncate -s 96M "$img"
mkfs.gfs2 -O -p lock_nolock -j 3 -J 8 -t zigsow-cluster:www "$img" > "$state/mkfs.gfs2.log"
loop=$(losetup --find --show "$img")
mkdir -p /srv/www
mount -t gfs2 "$loop" /srv/www
for spec in "$@"; do
  node=${spec%%=*} addr=${spec#*=}
  mkdir -p "/srv/www/$node"
  printf 'served by %s (%s) from GFS2\n' "$node" "$addr" > "/srv/www/$node/index.html"
done
sync
umount /srv/www
losetup -d "$loop"
# every real server mounts the same read-only loop device: one kernel, one
# superblock, several read-only mounts, each in its node's own mount namespace
loop=$(losetup --find --show --read-only "$img")
echo "$loop" > "$state/gfs2.loop"

mkdir -p /run/cluster /etc/cluster
for spec in "$@"; do
  node=${spec%%=*} addr=${spec#*=}
  attach "$node" "$addr"
  ip netns exec "$node" unshare --mount --propagation private bash -c '
    mount -t tmpfs -o mode=755 "cluster-run-$1" /run/cluster
    mount -t tmpfs -o mode=755 "cluster-etc-$1" /etc/cluster
    mount -t gfs2 -o ro "$2" /srv/www
    echo $$ > "$3/$1.pid"
    exec sleep infinity
  ' holder "$node" "$loop" "$state" < /dev/null > /dev/null 2>&1 &
done
for spec in "$@"; do
  node=${spec%%=*}
  for _ in $(seq 1 200); do [ -s "$state/$node.pid" ] && break; sleep 0.05; done
  [ -s "$state/$node.pid" ] || { echo "node $node did not come up" >&2; exit 1; }
done
echo "topology ready: bridge br0, client, director, $*"
