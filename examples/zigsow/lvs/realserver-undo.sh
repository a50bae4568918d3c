#!/bin/sh
# LVS direct routing: undo the real-server preparation for VIP 192.168.10.249
set -e
if ip -4 -o addr show dev lo | grep -q ' inet 192.168.10.249/32 '; then ip addr del 192.168.10.249/32 dev lo; fi
# keep the ARP settings while another VIP is still on lo
if ! ip -4 -o addr show dev lo | grep -v ' inet 127\.' | grep -q ' inet '; then
    sysctl -q -w net.ipv4.conf.all.arp_announce=0
    sysctl -q -w net.ipv4.conf.all.arp_ignore=0
    sysctl -q -w net.ipv4.conf.lo.arp_announce=0
    sysctl -q -w net.ipv4.conf.lo.arp_ignore=0
fi
