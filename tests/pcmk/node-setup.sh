#!/bin/bash
# node-setup.sh K NAME: runs inside a lab node's namespaces (lab.sh PCMK_LAB_NODE_SETUP)
# before corosync starts, so the first probe already finds everything.
#  * ocf:zigha:* -- the launchers `zigha agents install --prefix $ZIGHA_LAB_ROOT/ocf` wrote,
#    beside the host's heartbeat and pacemaker agents, on the node's own mount table;
#  * postfix's default main.cf naming the shared config dir (alternate_config_directories);
#  * node-local runtime dirs on the node's private /run.
set -euo pipefail
root=${ZIGHA_LAB_ROOT:?}
ocf=$root/ocf/usr/lib/ocf/resource.d
mount --bind /usr/lib/ocf/resource.d/heartbeat "$ocf/heartbeat"
mount --bind /usr/lib/ocf/resource.d/pacemaker "$ocf/pacemaker"
mount --rbind "$ocf" /usr/lib/ocf/resource.d
mount --bind "$root/postfix-default-main.cf" /etc/postfix/main.cf
mkdir -p /run/zigha-lab/postfix-data /var/log/apache2
chown postfix:postfix /run/zigha-lab/postfix-data
