"""The reference's BASE cluster (rgmanager-behaviour.md §8), built directly as a SimCluster."""

from __future__ import annotations

import attrs

from zigha.simulate import SimCluster, SimDomain, SimNode, SimService

BASE_DOMAINS = (
    SimDomain.build("fd_http", [("h1", 1), ("h2", 2), ("h3", 3)], ordered=True),
    SimDomain.build("fd_named", [("h2", 1), ("h3", 2), ("h1", 3)], ordered=True),
    SimDomain.build("fd_mail", [("h3", 1), ("h1", 2), ("h2", 3)], ordered=True),
)


def base(*, http: dict | None = None, extra_services=(), extra_domains=(), domains=None,
         services=None, **cluster) -> SimCluster:
    """BASE, with http's attributes changed, services/domains added, cluster fields set."""
    http_service = attrs.evolve(SimService("service:http", domain="fd_http"), **(http or {}))
    default_services = (http_service, SimService("service:named", domain="fd_named"),
                        SimService("service:mail", domain="fd_mail"))
    return SimCluster(
        nodes=(SimNode("h1", 1), SimNode("h2", 2), SimNode("h3", 3)),
        domains=tuple(domains if domains is not None else BASE_DOMAINS) + tuple(extra_domains),
        services=tuple(services if services is not None else default_services)
        + tuple(extra_services),
        **cluster,
    )


def steps_after(sim, service: str, event: int) -> list:
    """clustat lines of ``service`` produced by event number ``event`` and later."""
    from zigha.simulate.result import owner_column

    return [f"{owner_column(s.state, s.owner, s.last_owner)} {s.state}" for s in sim.timeline
            if s.kind == "service" and s.service == service and s.event >= event]


def notes(sim, event: int | None = None) -> list:
    return [s.message for s in sim.timeline
            if s.kind in ("note", "member") and (event is None or s.event == event)]
