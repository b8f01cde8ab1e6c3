"""The benchmark scripts' helpers: the options each tool gets, the Zipf corpora, the slopes.

The scripts measure; these tests only check that they ask each tool for the same job (a wrong
flag would compare different objectives) and that the synthetic data is what the tables say.
"""
from __future__ import annotations

import json
import os
import sys

import pytest

SCRIPTS = os.path.join(os.path.dirname(__file__), "..", "scripts")
sys.path.insert(0, SCRIPTS)

import bench  # noqa: E402
import bench_objectives  # noqa: E402


def _flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


@pytest.mark.parametrize("loss, hs, negative", [("hs", "1", "0"), ("ns", "0", "7"),
                                                ("hs+ns", "1", "7")])
def test_word2vec_c_tool_gets_the_same_objective(loss, hs, negative):
    cmd = bench.w2v_cmd("/bin/w2v", "c.txt", "o.bin", "cbow", 2, 1, loss, 7)
    assert (_flag(cmd, "-hs"), _flag(cmd, "-negative")) == (hs, negative)
    assert _flag(cmd, "-cbow") == "1" and _flag(cmd, "-alpha") == str(bench.ALPHA["cbow"])
    assert _flag(cmd, "-iter") == str(bench.SETTINGS["epochs"])


def test_hsw2v_and_gensim_get_the_objective():
    assert bench.loss_args("hs", 5) == ()
    cmd = bench.hsw2v_cmd(["c.gz"], "o.bin", "sg", 2, 3, extra=bench.loss_args("ns", 5))
    assert (_flag(cmd, "--loss"), _flag(cmd, "--negative")) == ("ns", "5")
    g = bench.gensim_cmd("c.gz", "o.bin", "sg", 2, 3, "ns", 5)
    assert g[g.index("--gensim-worker") + 1:] == ["c.gz", "o.bin", "sg", "2", "3", "ns", "5"]


def test_tables_name_the_objective_and_old_results_read_as_hs():
    row = {"wall_s": 2.0, "peak_rss_mb": 100.0, "raw_words_per_s": 1e6,
           "trained_words_per_s": 5e5, "analogy": 0.1, "ws353": 0.5}
    old = {"model": "sg", "threads": 2, "reps": 1, "machine": {},
           "settings": {"hs": 1, "negative": 0}, "wall_ratio": 1.0,
           "median": {"hsw2v": row, "gensim": row},
           "runs": [dict(row, tool="hsw2v"), dict(row, tool="gensim")]}
    assert "hierarchical softmax" in bench.table(old)
    ns = dict(old, settings={"loss": "ns", "hs": 0, "negative": 5}, tools=["hsw2v", "gensim"],
              mean={"hsw2v": row, "gensim": row})
    assert "negative sampling (k = 5)" in bench.table(ns)
    assert "Mean over seeds" in bench.table(ns)


def test_plain_text_counts_tokens(tmp_path):
    import gzip
    src = tmp_path / "c.gz"
    with gzip.open(src, "wt") as f:
        f.write("a b  c\nd e\n")
    text, tokens = bench.plain_text(str(src), str(tmp_path))
    assert tokens == 5 and open(text).read() == "a b  c\nd e\n"


def test_zipf_corpus_and_vocabulary(tmp_path):
    corpus, vocab = bench_objectives.write_zipf(str(tmp_path), 50, 20_000, line=100)
    lines = open(vocab).read().split("\n")[:-1]
    counts = [int(line.split()[1]) for line in lines]
    assert len(lines) == 50 and counts == sorted(counts, reverse=True) and min(counts) >= 1
    assert counts[0] / counts[9] == pytest.approx(10, rel=1e-6)  # 1/r
    words = open(corpus).read().split()
    assert len(words) == 20_000 and set(words) <= {line.split()[0] for line in lines}
    share = words.count("w0") / len(words)  # 1 / H_50 = 0.2222
    assert share == pytest.approx(bench_objectives.zipf_probabilities(50)[0], abs=0.015)


def test_slopes_of_power_laws():
    sizes = [10, 100, 1000]
    assert bench_objectives.slopes(sizes, [3.0 * v for v in sizes])["slope"] == pytest.approx(1)
    flat = bench_objectives.slopes(sizes, [2.0, 2.0, 2.0])
    assert flat["slope"] == pytest.approx(0) and flat["local_slopes"] == pytest.approx([0, 0])


def test_softmax_tokens_are_clamped():
    assert bench_objectives.softmax_tokens(10**6, 5e7) == 50
    assert bench_objectives.softmax_tokens(10**9, 5e7) == 20
    assert bench_objectives.softmax_tokens(10, 5e7) == 200_000


def test_markdown_of_a_quality_result(tmp_path, capsys):
    run = {"analogy_scored": 10, "analogy_skipped": 90, "ws353_pairs": 100, "ws353_oov": 0.5}
    mean = {"wall_s": 1.0, "analogy": 0.1, "ws353": 0.3, "holdout_loss": 4.0}
    res = {"model": "cbow", "threads": 2, "seeds": 1, "machine": {},
           "settings": {"max_vocab": 3000, "epochs": 1, "dim": 100, "holdout": 0.01},
           "runs": [run], "mean": {"softmax": mean, "hs": mean, "ns": dict(mean, holdout_loss=None)}}
    path = tmp_path / "q.json"
    path.write_text(json.dumps(res))
    assert bench_objectives.main(["markdown", str(path)]) == 0
    out = capsys.readouterr().out
    assert "10 of 100 questions" in out and "| ns | 1.0 s | 0.1000 | 0.300 | – |" in out


def test_bench_simd_gives_both_tools_the_same_job():
    import bench_simd  # noqa: PLC0415

    for job, (h, c, _) in bench_simd.JOBS.items():
        loss = _flag(h, "--loss")
        assert _flag(c, "-cbow") == ("1" if _flag(h, "--model") == "cbow" else "0"), job
        assert (_flag(c, "-hs"), _flag(c, "-negative")) == (
            ("1", "0") if loss == "hs" else ("0", _flag(h, "--negative"))), job
        assert _flag(c, "-size") == _flag(h, "--dim") and _flag(c, "-iter") == _flag(h, "--epochs")
    assert bench_simd.COMMON_H[:6] == ["--window", "5", "--min-count", "5", "--sample", "1e-3"]
    assert bench_simd.COMMON_C[:6] == ["-window", "5", "-min-count", "5", "-sample", "1e-3"]


def test_subword_benchmark_gives_every_tool_the_same_job():
    import bench_subwords as bs

    cmds = {tool: bs.command(tool, "ns", "c.txt", "out", 3, 2, "/bin/ft")[0]
            for tool in ("hsw2v", "fasttext", "gensim")}
    h, f = cmds["hsw2v"], cmds["fasttext"]
    assert _flag(h, "--subwords") == f"{_flag(f, '-minn')}-{_flag(f, '-maxn')}"
    for ours, theirs in (("--buckets", "-bucket"), ("--dim", "-dim"), ("--window", "-ws"),
                         ("--epochs", "-epoch"), ("--min-count", "-minCount"),
                         ("--negative", "-neg"), ("--sample", "-t"), ("--alpha", "-lr"),
                         ("--threads", "-thread"), ("--seed", "-seed"), ("--loss", "-loss")):
        assert _flag(h, ours) == _flag(f, theirs), ours
    assert "ns" in cmds["gensim"] and "3" in cmds["gensim"]
    assert "hs=int(hs)" in bs.GENSIM_CODE and f"bucket={bs.BUCKETS}" in bs.GENSIM_CODE


def test_subword_benchmark_holds_out_every_fifth_evaluation_word(tmp_path):
    import bench_subwords as bs

    q = tmp_path / "q.txt"
    q.write_text(": capital\nathens greece paris france\n: gram1\nbig bigger small smaller\n"
                 "good better cheap cheaper\n")
    p = tmp_path / "p.tsv"
    p.write_text("# c\ncat\tdog\t7\n")
    vocab = {"big", "bigger", "small", "smaller", "good", "better", "cheap", "cheaper", "cat",
             "dog", "athens"}
    held = bs.held_out_words(str(q), str(p), vocab)
    allw = sorted(vocab - {"athens"})  # (not in a syntactic section)
    assert held == allw[::5]
    qo, po = bs.oov_files(str(q), str(p), set(held), vocab, str(tmp_path))
    kept = [x for x in open(qo) if not x.startswith(":")]
    assert all(any(w in held for w in x.split()[:3]) for x in kept)
    assert all(x.split()[3] not in held for x in kept)


def test_every_mutation_snippet_is_found_once_in_the_package():
    # A refactoring that moves a mutated line (re-indents it, say) must move its mutation too,
    # or the mutation check stops before running anything.
    import mutation_check  # noqa: PLC0415

    for m in mutation_check.MUTATIONS:
        mutation_check.locate(mutation_check.ROOT, m)  # raises MutationError if not once
