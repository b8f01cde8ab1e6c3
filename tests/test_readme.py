"""The README's set-up commands and .ci/run must not drift apart."""
from __future__ import annotations

import os
import re

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_ci_runs_the_readme_test_command():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    command = [line for line in ci.splitlines() if line.startswith("python3 -m venv")]
    assert len(command) == 1
    assert command[0] in readme


DOCS = os.path.join(ROOT, "docs")


def _doc_pages() -> list[str]:
    """README.md and every page of docs/, as paths."""
    return [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(DOCS, name) for name in os.listdir(DOCS) if name.endswith(".md"))


def _blocks(path: str, lang: str) -> list[list[str]]:
    """The lines of every fenced ``lang`` block of a markdown file."""
    text = open(path, encoding="utf-8").read()
    blocks, current = [], None
    for line in text.splitlines():
        if current is None and line.strip() == f"```{lang}":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _readme_blocks(lang: str) -> list[list[str]]:
    return _blocks(os.path.join(ROOT, "README.md"), lang)


def _hsw2v_commands(path: str) -> list[list[str]]:
    """Every ``hsw2v ...`` command of a markdown file's bash blocks, as argument lists."""
    import shlex
    commands = []
    for block in _blocks(path, "bash"):
        for line in block:
            for part in line.split("#")[0].split("&&"):
                part = part.split("|")[-1].strip()
                if part.startswith("hsw2v "):
                    commands.append(shlex.split(part)[1:])
    return commands


def test_every_documented_command_uses_options_that_exist():
    """The hsw2v commands in the bash blocks of the README and of docs/*.md."""
    from hsw2v.cli import main
    commands = [(os.path.basename(p), c) for p in _doc_pages() for c in _hsw2v_commands(p)]
    assert len(commands) >= 15  # the parser found the blocks
    assert len({name for name, _ in commands}) >= 5  # in the docs pages too, not only the README
    for name, args in commands:
        assert args[0] in main.commands, (name, args)
        command = main.commands[args[0]]
        if hasattr(command, "commands"):  # a group (hsw2v plot loss ...): its subcommand
            args = args[1:]
            command = command.commands[args[0]]
        opts = {o for p in command.params for o in p.opts + p.secondary_opts}
        for token in args[1:]:
            if token.startswith("-") and token != "-" and token != "[--json]":
                assert token.split("=")[0] in opts, (name, args, token)


def _slug(heading: str) -> str:
    """GitHub's anchor for a markdown heading."""
    import re
    text = re.sub(r"[`*]", "", heading.strip().lstrip("#").strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: str) -> set[str]:
    anchors, seen, fenced = set(), {}, False
    for line in open(path, encoding="utf-8").read().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            slug = _slug(line)
            anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _links(path: str) -> list[str]:
    """The targets of a markdown file's inline links and images, outside code."""
    import re
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_readme_is_short():
    lines = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read().splitlines()
    assert len(lines) <= 400, len(lines)


def test_readme_has_a_table_of_contents_matching_its_headings():
    import re
    readme = os.path.join(ROOT, "README.md")
    text = open(readme, encoding="utf-8").read()
    head = text.split("\n## ", 2)
    assert head[1].startswith("Contents"), "the first section is the table of contents"
    entries = re.findall(r"^- \[([^\]]+)\]\(#([^)]+)\)$", head[1], flags=re.M)
    sections = [line[3:] for line in text.splitlines() if line.startswith("## ")][1:]
    assert [title for title, _ in entries] == sections  # every section, in order
    assert [anchor for _, anchor in entries] == [_slug(s) for s in sections]
    assert len(entries) >= 6


def test_every_relative_link_points_at_something_that_exists():
    """Files (and, for markdown files, their headings) of every relative link in the README
    and docs/*.md, images included."""
    for page in _doc_pages():
        for target in _links(page):
            if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            assert os.path.exists(full), (os.path.relpath(page, ROOT), target)
            if anchor and full.endswith(".md"):
                assert anchor in _anchors(full), (os.path.relpath(page, ROOT), target)


def test_docs_pages_exist_and_the_readme_links_each():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    for name in ("python-api", "objectives", "phrases", "pictures", "cluster", "file-formats",
                 "errors-and-resume", "performance", "training"):
        assert os.path.exists(os.path.join(DOCS, f"{name}.md")), name
        assert f"(docs/{name}.md" in readme, name


def test_no_example_needs_the_projects_shared_data():
    for page in _doc_pages():
        assert "../shared" not in open(page, encoding="utf-8").read(), page


def test_the_readme_says_once_how_to_run_hsw2v():
    """Activate the venv or write .venv/bin/hsw2v, said once; the examples after set-up then
    call plain hsw2v."""
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert readme.count("source .venv/bin/activate") == 1
    after_setup = readme.split("## First steps", 1)[1]
    for block in _blocks(os.path.join(ROOT, "README.md"), "bash"):
        for line in block:
            assert ".venv/bin/hsw2v" not in line or "pip install" in line, line
    assert ".venv/bin/" not in after_setup


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
