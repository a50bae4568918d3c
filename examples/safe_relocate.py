#!/usr/bin/env python3
"""Move a service to another member and make sure it ends up running there.

The seed's author relocated httpd and ran `clustat` until it said `started`.  This does
the same in code, with the checks a careful admin makes first:

* the cluster is quorate and the service is not frozen or failed;
* the target is an exact, online member name (zigha refuses clusvcadm's "closest match");
* a busy rgmanager (deadlock / try again) is retried a few times;
* clusvcadm is given a time limit, and if it runs out the outcome is unknown, so the
  script keeps watching the state instead of assuming anything.

    python3 examples/safe_relocate.py http h2.zigsow.net
"""

from __future__ import annotations

import sys
import time

from zigha import status as st
from zigha.services import OutcomeUnknownError, ServiceBusyError, Services


def safe_relocate(service: str, member: str, runner=None, attempts: int = 3,
                  timeout: float = 120.0, say=print, pause=time.sleep) -> st.ServiceStatus:
    services = Services(runner, timeout=timeout, sleep=pause)
    current = services.status(service)
    if current.frozen or current.state is st.ServiceState.FAILED:
        raise SystemExit(f"{current.name} is {current.state_raw} {list(current.flags)}: fix that first")
    if current.owner == member and current.state is st.ServiceState.STARTED:
        say(f"{current.name} already runs on {member}")
        return current
    for attempt in range(1, attempts + 1):
        try:
            result = services.relocate(service, member=member)
            say(f"{result.service}: {result.outcome.value}, running on {result.running_on}")
            break
        except ServiceBusyError as busy:
            say(f"attempt {attempt}: {busy.message}; retrying")
            pause(5)
        except OutcomeUnknownError as unknown:
            say(f"{unknown.message}; watching the state")
            break
    else:
        raise SystemExit(f"rgmanager stayed busy after {attempts} attempts")
    return services.wait_for(
        service, state="started", owner=member, timeout=timeout,
        on_progress=lambda s, t: say(f"  {t:4.0f} s  {s.state_raw if s else 'no state'}"
                                     f" on {s.owner if s else '-'}"))


def main(argv=None, runner=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: safe_relocate.py SERVICE MEMBER", file=sys.stderr)
        return 2
    final = safe_relocate(argv[0], argv[1], runner=runner)
    print(f"{final.name} is {final.state.value} on {final.owner}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
