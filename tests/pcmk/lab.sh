#!/bin/bash
# lab.sh - run a real N-node corosync + Pacemaker cluster on one host,
# every node in its own network/mount/UTS/PID/IPC namespaces.
# A copy of ../shared/pcmk/cluster.sh that can give the nodes real names
# (PCMK_LAB_NAMES="h1.zigsow.net h2.zigsow.net h3.zigsow.net"): corosync's nodelist name,
# the UTS hostname and /etc/hosts use them, so Pacemaker's node names are the
# cluster.conf names.  NODE arguments are nK or the name.  PCMK_LAB_NODE_SETUP=PROGRAM
# runs as `PROGRAM K NAME` inside each node's namespaces before corosync starts.
#
#   cluster.sh up [N]          create namespaces + start N nodes (default 3), wait until all online
#   cluster.sh start NODE      (re)start one node (e.g. after 'kill'); waits until it is online again
#   cluster.sh stop NODE       graceful stop: pacemakerd --shutdown (resources move away), then corosync
#   cluster.sh kill NODE       hard-kill a node: SIGKILL its PID namespace (corosync, pacemaker, resources)
#   cluster.sh exec NODE CMD.. run CMD inside NODE's namespaces (e.g. crm_mon -1)
#   cluster.sh client CMD..    run CMD in the bridge namespace (10.77.0.254), a neutral client
#   cluster.sh status          crm_mon -1 from the first live node + per-node process state
#   cluster.sh down            kill all nodes, delete namespaces (state dir with CIB + logs is kept)
#   cluster.sh purge           down + delete the state dir (next 'up' starts with a fresh CIB)
#
# Env: PCMK_LAB_STATE (default: $TMPDIR or /tmp, then /pcmk-lab-state; this folder may be read-only), PCMK_LAB_PREFIX (netns name prefix, default pcmkns),
#      PCMK_LAB_NET (first three octets, default 10.77.0), PCMK_LAB_TOKEN (corosync token ms, default 1000)
# Requires root, util-linux (unshare, nsenter), iproute2, corosync, pacemaker, pacemaker-cli-utils.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
STATE=${PCMK_LAB_STATE:-${TMPDIR:-/tmp}/pcmk-lab-state}
PFX=${PCMK_LAB_PREFIX:-pcmkns}
NET=${PCMK_LAB_NET:-10.77.0}
TOKEN=${PCMK_LAB_TOKEN:-1000}
BRNS=$PFX-br

log() { echo "[$(date +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
NAMES=(${PCMK_LAB_NAMES:-})
nodename() { if ((${#NAMES[@]} >= $1)); then echo "${NAMES[$(($1 - 1))]}"; else echo "n$1"; fi; }
nodenum() {
  local n=${1#n} i
  for ((i = 1; i <= ${#NAMES[@]}; i++)); do [[ ${NAMES[$((i - 1))]} == "$1" ]] && { echo "$i"; return; }; done
  [[ $n =~ ^[0-9]+$ ]] || die "bad node name '$1' (use n1, n2, ... or a PCMK_LAB_NAMES name)"; echo "$n"
}
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" -v f="${2:-%.1f}" 'BEGIN{printf f, b-a}'; }
nodecount() { cat "$STATE/nodes" 2>/dev/null || echo 0; }

# host PID of the node's namespace init (PID 1 inside the node's PID namespace), empty if not running
initpid() {
  local f="$STATE/n$1/init.pid" p
  [[ -f $f ]] || return 0
  p=$(cat "$f")
  [[ -n $p && -r /proc/$p/cmdline ]] || return 0
  [[ $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null) == *"_nodeinit $1 " ]] && echo "$p"
  return 0
}

nsexec() {  # nsexec N CMD...
  local p; p=$(initpid "$1"); [[ -n $p ]] || die "node n$1 is not running"
  shift
  nsenter -t "$p" -n -m -u -i -p --wd=/ -- "$@"
}

gen_corosync_conf() {  # gen_corosync_conf N_NODES
  local total=$1 i
  cat <<EOF
totem {
    version: 2
    cluster_name: pcmklab
    transport: knet
    token: $TOKEN
    crypto_cipher: aes256
    crypto_hash: sha256
}
nodelist {
EOF
  for ((i = 1; i <= total; i++)); do
    printf '    node {\n        ring0_addr: %s.%d\n        name: %s\n        nodeid: %d\n    }\n' "$NET" "$i" "$(nodename "$i")" "$i"
  done
  cat <<EOF
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_logfile: yes
    logfile: /var/log/cluster/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
EOF
}

setup_net() {  # setup_net N_NODES
  local total=$1 i
  if ! ip netns list | grep -qw "^$BRNS"; then
    ip netns add "$BRNS"
    ip -n "$BRNS" link set lo up
    ip -n "$BRNS" link add br0 type bridge
    ip -n "$BRNS" addr add "$NET.254/24" dev br0
    ip -n "$BRNS" link set br0 up
  fi
  for ((i = 1; i <= total; i++)); do
    ip netns list | grep -qw "^$PFX-n$i" && continue
    ip netns add "$PFX-n$i"
    ip -n "$BRNS" link add "vn$i" type veth peer name eth0 netns "$PFX-n$i"
    ip -n "$BRNS" link set "vn$i" master br0 up
    ip -n "$PFX-n$i" link set lo up
    ip -n "$PFX-n$i" addr add "$NET.$i/24" dev eth0
    ip -n "$PFX-n$i" link set eth0 up
  done
}

prep_node_dirs() {  # prep_node_dirs N N_NODES  (idempotent; keeps CIB on restart)
  local n=$1 total=$2 d="$STATE/n$1" i
  mkdir -p "$d"
  if [[ ! -d $d/etc-corosync ]]; then
    cp -a /etc/corosync "$d/etc-corosync"
    cp -a /var/lib/corosync "$d/var-lib-corosync"
    cp -a /var/lib/pacemaker "$d/var-lib-pacemaker"     # keeps hacluster:haclient ownership
    mkdir -p "$d/var-log/pacemaker" "$d/var-log/cluster" "$d/var-log/apache2"
    chown hacluster:haclient "$d/var-log/pacemaker"; chmod 0770 "$d/var-log/pacemaker"
    if [[ -f $STATE/cib-seed.xml ]]; then   # initial CIB (no .sig file needed)
      install -o hacluster -g haclient -m 0600 "$STATE/cib-seed.xml" "$d/var-lib-pacemaker/cib/cib.xml"
    fi
  fi
  gen_corosync_conf "$total" >"$d/etc-corosync/corosync.conf"
  install -m 0400 "$STATE/authkey" "$d/etc-corosync/authkey"
  {
    echo "127.0.0.1 localhost"
    echo "::1 localhost ip6-localhost ip6-loopback"
    for ((i = 1; i <= total; i++)); do echo "$NET.$i $(nodename "$i")"; done
  } >"$d/hosts"
  nodename "$n" >"$d/hostname"
}

# Runs as PID 1 of the node's PID namespace, already inside its net/mount/UTS/IPC namespaces.
nodeinit() {
  local n=$1 d="$STATE/n$1"
  hostname "$(nodename "$n")"
  mount --make-rprivate /
  mount --bind "$d/etc-corosync" /etc/corosync
  mount --bind "$d/var-lib-corosync" /var/lib/corosync
  mount --bind "$d/var-lib-pacemaker" /var/lib/pacemaker
  mount --bind "$d/var-log" /var/log
  mount --bind "$d/hosts" /etc/hosts
  mount --bind "$d/hostname" /etc/hostname
  mount -t tmpfs -o mode=0755,size=64m tmpfs /run
  mount -t tmpfs -o mode=1777,size=64m tmpfs /dev/shm
  mkdir -p /run/lock /run/resource-agents /run/crm /run/pcmk-lab/htdocs
  chmod 1755 /run/resource-agents
  chown hacluster:haclient /run/crm && chmod 0750 /run/crm
  # per-node apache bits (the shared httpd.conf Includes /run/pcmk-lab/listen.conf, /run is private)
  echo "Listen $NET.$n:8080" >/run/pcmk-lab/listen.conf
  echo "<html><body>served by n$n</body></html>" >/run/pcmk-lab/htdocs/index.html
  # per-node preparation before the cluster stack starts (agents, daemon configs)
  if [[ -n ${PCMK_LAB_NODE_SETUP:-} ]]; then
    "$PCMK_LAB_NODE_SETUP" "$n" "$(nodename "$n")" || { echo "node setup failed" >&2; exit 1; }
  fi

  export PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none PCMK_debug=no
  export HA_LOGFACILITY=none
  corosync -f >>/var/log/cluster/corosync.stderr 2>&1 &
  local i
  for ((i = 0; i < 100; i++)); do
    corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1 && break
    sleep 0.1
  done
  pacemakerd >>/var/log/pacemaker/pacemakerd.stderr 2>&1 &
  # PID 1 duty: reap orphans (daemonized apache etc.) forever
  trap '' TERM INT HUP
  while true; do wait || true; sleep 1; done
}

start_node() {  # start_node N N_NODES
  local n=$1 total=$2 p="" i up
  [[ -z $(initpid "$n") ]] || { log "n$n already running"; return 0; }
  prep_node_dirs "$n" "$total"
  # ip netns exec: enter the named netns; unshare: new mount/UTS/IPC/PID ns with private /proc
  setsid ip netns exec "$PFX-n$n" unshare --mount --uts --ipc --pid --fork --mount-proc \
    "$SELF" _nodeinit "$n" </dev/null >>"$STATE/n$n/init.stderr" 2>&1 &
  up=$!
  for ((i = 0; i < 50; i++)); do
    p=$(cat /proc/$up/task/$up/children 2>/dev/null | awk '{print $1}')
    [[ -n $p ]] && break
    sleep 0.1
  done
  [[ -n $p ]] || die "n$n: could not find namespace init"
  echo "$up" >"$STATE/n$n/unshare.pid"
  echo "$p" >"$STATE/n$n/init.pid"
  log "n$n started (ns init pid $p, addr $NET.$n)"
}

online_count() {  # number of nodes 'online' as seen from node N
  nsexec "$1" crm_mon -1 -X 2>/dev/null | grep -c '<node name=.* online="true"' || true
}

wait_online() {  # wait_online WANT [TIMEOUT_S]
  local want=$1 to=${2:-120} t0=$EPOCHREALTIME i c
  while (($(elapsed "$t0" %d) < to)); do
    for ((i = 1; i <= $(nodecount); i++)); do
      [[ -n $(initpid "$i") ]] || continue
      c=$(online_count "$i")
      if ((c >= want)); then log "$c nodes online (seen from n$i) after $(elapsed "$t0")s"; return 0; fi
      break
    done
    sleep 0.5
  done
  die "timeout waiting for $want online nodes"
}

cmd_up() {
  local total=${1:-3} i t0
  ((total >= 1 && total <= 16)) || die "N must be 1..16"
  t0=$EPOCHREALTIME
  mkdir -p "$STATE"
  echo "$total" >"$STATE/nodes"
  [[ -f $STATE/authkey ]] || { head -c 256 /dev/urandom >"$STATE/authkey"; chmod 0400 "$STATE/authkey"; }
  if [[ ! -f $STATE/cib-seed.xml && ${PCMK_LAB_SEED_CIB:-1} == 1 ]]; then
    # dc-deadtime defaults to 20s: a fresh cluster idles that long before electing a DC
    cibadmin --empty >"$STATE/cib-seed.xml"
    CIB_file="$STATE/cib-seed.xml" crm_attribute -t crm_config -n dc-deadtime -v 2s
    CIB_file="$STATE/cib-seed.xml" crm_attribute -t crm_config -n stonith-enabled -v false
  fi
  setup_net "$total"
  for ((i = 1; i <= total; i++)); do start_node "$i" "$total"; done
  wait_online "$total" 180
  log "up $total: $(elapsed "$t0") s"
}

cmd_start() {
  local n; n=$(nodenum "$1")
  local total; total=$(nodecount)
  ((n >= 1 && n <= total)) || die "no such node n$n"
  start_node "$n" "$total"
  local to=120 t0=$EPOCHREALTIME
  # wait until n$n sees itself online (joined the existing membership)
  while (($(elapsed "$t0" %d) < to)); do
    if nsexec "$n" crm_mon -1 -X 2>/dev/null | grep -q "<node name=\"$(nodename "$n")\" .*online=\"true\""; then
      log "n$n online after $(elapsed "$t0")s"; return 0
    fi
    sleep 0.5
  done
  die "n$n did not come online"
}

cmd_kill() {
  local n i; n=$(nodenum "$1")
  local p; p=$(initpid "$n")
  [[ -n $p ]] || die "n$n is not running"
  kill -KILL "$p"     # killing PID 1 of a PID namespace SIGKILLs every process in it
  local u; u=$(cat "$STATE/n$n/unshare.pid" 2>/dev/null || true)
  for ((i = 0; i < 50; i++)); do   # wait for the ns init and its 'unshare' parent to be gone
    [[ -d /proc/$p ]] || [[ -n $u && -d /proc/$u && $(cat /proc/$u/comm 2>/dev/null) == unshare ]] || break
    sleep 0.1
  done
  rm -f "$STATE/n$n/init.pid" "$STATE/n$n/unshare.pid"
  log "n$n killed"
}

cmd_stop() {
  local n i; n=$(nodenum "$1")
  [[ -n $(initpid "$n") ]] || die "n$n is not running"
  nsexec "$n" pacemakerd --shutdown >/dev/null 2>&1 || true
  for ((i = 0; i < 1200; i++)); do   # up to 120 s for resources to stop
    nsexec "$n" pgrep -x pacemakerd >/dev/null || break
    sleep 0.1
  done
  nsexec "$n" corosync-cfgtool -H --force >/dev/null 2>&1 || true
  for ((i = 0; i < 100; i++)); do nsexec "$n" pgrep -x corosync >/dev/null || break; sleep 0.1; done
  cmd_kill "n$n"   # ends the namespace init (and anything a resource left behind)
}

cmd_status() {
  local i p shown=0
  for ((i = 1; i <= $(nodecount); i++)); do
    p=$(initpid "$i")
    if [[ -n $p ]]; then
      echo "n$i: running (ns init pid $p): $(nsexec "$i" ps -eo comm= | sort | uniq -c | awk '{printf "%s%s ", $2, ($1>1?"x"$1:"")}')"
      if ((shown == 0)); then shown=$i; fi
    else
      echo "n$i: stopped"
    fi
  done
  ((shown)) && nsexec "$shown" crm_mon -1 -r
  return 0
}

cmd_down() {
  local i
  for ((i = 1; i <= $(nodecount); i++)); do
    [[ -n $(initpid "$i") ]] && cmd_kill "n$i"
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$PFX-"); do ip netns del "$ns"; done
  log "down"
}

case "${1:-}" in
  up) shift; cmd_up "${1:-3}" ;;
  start) shift; cmd_start "$1" ;;
  kill) shift; cmd_kill "$1" ;;
  stop) shift; cmd_stop "$1" ;;
  exec) shift; n=$(nodenum "$1"); shift; nsexec "$n" "$@" ;;
  client) shift; ip netns exec "$BRNS" "$@" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  purge) cmd_down; rm -rf "$STATE" ;;
  _nodeinit) shift; nodeinit "$1" ;;
  *) sed -n '2,22p' "$SELF" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
