"""Acceptance checks: each issue's "Fixed names" used exactly as the issue words them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest


def run_zigha(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the installed ``zigha`` console script (the form users type)."""
    exe = shutil.which("zigha")
    argv = [exe, *args] if exe else [sys.executable, "-c",
                                    "import sys; from zigha.cli.main import main; sys.exit(main())",
                                    *args]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def zigha_cli():
    return run_zigha
