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


def _readme_blocks(lang: str) -> list[list[str]]:
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks, current = [], None
    for line in readme.splitlines():
        if current is None and line.strip() == f"```{lang}":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _hsw2v_commands() -> list[list[str]]:
    """Every ``hsw2v ...`` command of the README's bash blocks, as argument lists."""
    import shlex
    commands = []
    for block in _readme_blocks("bash"):
        for line in block:
            for part in line.split("#")[0].split("&&"):
                part = part.split("|")[-1].strip()
                if part.startswith("hsw2v "):
                    commands.append(shlex.split(part)[1:])
    return commands


def test_every_readme_command_uses_options_that_exist():
    from hsw2v.cli import main
    commands = _hsw2v_commands()
    assert len(commands) >= 15  # the parser found the blocks
    for args in commands:
        command = main.commands[args[0]]
        if hasattr(command, "commands"):  # a group (hsw2v plot loss ...): its subcommand
            args = args[1:]
            command = command.commands[args[0]]
        opts = {o for p in command.params for o in p.opts + p.secondary_opts}
        for token in args[1:]:
            if token.startswith("-") and token != "-" and token != "[--json]":
                assert token.split("=")[0] in opts, (args, token)


def test_first_steps_run_without_any_data(tmp_path, monkeypatch):
    """The README's corpus-free path: demo --corpus-out, train on it, query it."""
    import shlex

    from click.testing import CliRunner

    from hsw2v.cli import main
    block = next(b for b in _readme_blocks("bash") if any("demo --corpus-out" in x for x in b))
    monkeypatch.chdir(tmp_path)
    outputs = []
    for line in block:
        args = shlex.split(line.split("#")[0])[1:]
        quiet = ["-q"] if args[0] in ("demo", "train") else []  # keep the test's output short
        r = CliRunner().invoke(main, args + quiet)
        assert r.exit_code == 0, (args, r.output)
        outputs.append(r.output)
    assert [line.split()[1] for line in block] == ["demo", "train", "similar"]
    assert "PASS" in outputs[0] and outputs[2].startswith("nearest to w3_4:")
