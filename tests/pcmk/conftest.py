"""One real 3-node Pacemaker cluster for the whole pcmk tier (session scope).

A cluster that does not come up fails the tests that need it, with the nodes' logs in
the message; it is always torn down (lab.sh down: SIGKILL of each node's PID namespace,
deletion of this session's network namespaces only).
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import labsite  # noqa: E402


@pytest.fixture(scope="session")
def lab():
    cluster = labsite.Lab()
    try:
        cluster.prepare()
        cluster.up()
        cluster.settle()
        cluster.wait_for(lambda: all(cluster.answers().values()), "the three services to answer",
                         timeout=120)
        cluster.initial_digest = cluster.data_digest()
        yield cluster
    finally:
        cluster.down()
