"""The README's set-up commands and .ci/run must not drift apart."""
from __future__ import annotations

import os

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_ci_runs_the_readme_test_command():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    command = [line for line in ci.splitlines() if line.startswith("python3 -m venv")]
    assert len(command) == 1
    assert command[0] in readme
