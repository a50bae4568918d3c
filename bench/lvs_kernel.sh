#!/usr/bin/env bash
# bench/lvs_kernel.sh - bench/lvs.py's apply comparison alone, in a real kernel.
#
#   bench/lvs_kernel.sh            # prints both figures and the boot timing
#
# Boots the Debian 12 kernel of ../shared/vm/run-in-kernel.sh (qemu; software
# emulation on machines without usable KVM) and runs `bench/lvs.py --inside` there:
# 10,000 services (20,000 rules) applied as ONE zigha batch (read, diff, one
# `ipvsadm -R`, read back) beside one ipvsadm process per rule. The per-rule
# baseline is timed on 1,000 rules and scaled, because every process start costs
# about 30 ms under emulation; the output says so. bench/lvs.py (without
# --parse-only) runs the same comparison after its parse figures.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${ZIGHA_SHARED:-../shared}
runner=$shared/vm/run-in-kernel.sh
[ -x "$runner" ] || { echo "bench/lvs_kernel.sh: $runner not found (set ZIGHA_SHARED)" >&2; exit 2; }
# the interpreter that has zigha installed (a pyenv shim resolved to the real binary)
python=$(python3 -c 'import sys; print(sys.executable)')
exec "$runner" -T -t 1800 "modprobe -a ip_vs ip_vs_rr && $python bench/lvs.py --inside"
