"""Shared fixtures: where the reference captures are, and the strict fake runner.

The reference material (real captured outputs of the tools, the real cluster.conf
corpus and schema) lives beside the checkout in ``../shared/reference``; set
``ZIGHA_SHARED`` to point elsewhere.  It is never copied into tests/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zigha.testing import FakeRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ZIGHA_SHARED", ROOT.parent / "shared")).resolve()
REFERENCE = SHARED / "reference"
EXAMPLES = ROOT / "examples"


def pytest_sessionstart(session: pytest.Session) -> None:
    if not REFERENCE.is_dir():
        raise pytest.UsageError(
            f"reference captures not found at {REFERENCE}; set ZIGHA_SHARED to the shared/ folder"
        )


@pytest.fixture(scope="session")
def reference() -> Path:
    """../shared/reference: real captures, corpus, schema."""
    return REFERENCE


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def fake_runner():
    """A strict FakeRunner; calls still expected at the end of the test fail it."""
    fake = FakeRunner()
    yield fake
    fake.assert_done()
