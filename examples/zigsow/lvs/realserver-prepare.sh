#!/bin/sh
# LVS direct routing: real-server preparation for VIP 192.168.10.249
set -e
sysctl -q -w net.ipv4.conf.lo.arp_ignore=1
sysctl -q -w net.ipv4.conf.lo.arp_announce=2
sysctl -q -w net.ipv4.conf.all.arp_ignore=1
sysctl -q -w net.ipv4.conf.all.arp_announce=2
ip -4 -o addr show dev lo | grep -q ' inet 192.168.10.249/32 ' || ip addr add 192.168.10.249/32 dev lo label lo:0
