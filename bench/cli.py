"""Benchmarks for the command line, printed beside their anchors.

1. One <Tab>: the generated bash completion (``zigha completion bash``, no Python run)
   beside argcomplete's protocol (``register-python-argcomplete zigha``: a Python start,
   the zigha parser built, argcomplete's work), beside a bare ``bash -c :``.
2. ``zigha --help`` (every area module imported and registered) beside a bare interpreter.
3. Making the completion script and the man page from the parser (paid once, when
   installing).

Run: python3 bench/cli.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from zigha.cli.completion import completion_script
from zigha.cli.main import build_parser
from zigha.cli.manpage import manpage


def best_of(argv: list, runs: int = 15, env=None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def timed(fn, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    python = sys.executable
    with tempfile.NamedTemporaryFile("w", suffix=".bash", delete=False) as handle:
        handle.write(completion_script(build_parser(), "bash"))
        script = handle.name
    try:
        tab = ("source " + script + "; COMP_WORDS=(zigha conf push --method ''); "
               "COMP_CWORD=4; _zigha")
        bash_bare = best_of(["bash", "--norc", "-c", ":"])
        bash_tab = best_of(["bash", "--norc", "-c", tab])
    finally:
        os.unlink(script)
    line = "zigha conf push --method "
    env = dict(os.environ, _ARGCOMPLETE="1", COMP_LINE=line, COMP_POINT=str(len(line)),
               _ARGCOMPLETE_STDOUT_FILENAME=os.devnull)
    try:
        import argcomplete  # noqa: F401

        argcomplete_tab = best_of([python, "-m", "zigha.cli.main"], env=env)
    except ImportError:
        argcomplete_tab = None
    bare = best_of([python, "-c", "pass"])
    help_time = best_of([python, "-m", "zigha.cli.main", "--help"])
    parser = build_parser()

    print("one <Tab> (best of 15, wall clock, includes the shell or interpreter start)")
    print(f"  bash -c :                               {bash_bare * 1000:7.1f} ms  (anchor)")
    print(f"  zigha completion bash script            {bash_tab * 1000:7.1f} ms")
    if argcomplete_tab is None:
        print("  argcomplete protocol                    (argcomplete not installed)")
    else:
        print(f"  argcomplete protocol (python + parser)  {argcomplete_tab * 1000:7.1f} ms")
    print("start-up")
    print(f"  python3 -c pass                         {bare * 1000:7.1f} ms  (anchor)")
    print(f"  zigha --help                            {help_time * 1000:7.1f} ms")
    print("generated once (best of 20)")
    print(f"  build_parser()                          {timed(build_parser) * 1000:7.1f} ms")
    print(f"  completion_script(bash)                 "
          f"{timed(lambda: completion_script(parser, 'bash')) * 1000:7.1f} ms")
    print(f"  manpage()                               "
          f"{timed(lambda: manpage(parser)) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
