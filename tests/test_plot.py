"""hsw2v plot: pictures are written (valid files, atomically), projections keep neighbours,
labels never overlap, bad input gives one-line errors."""
from __future__ import annotations

import json
import os
import struct
import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner

from hsw2v import plot
from hsw2v.cli import main
from hsw2v.demo import run_demo
from hsw2v.errors import PlotError
from hsw2v.train import train_to_file
from hsw2v.vectors import Vectors

from conftest import make_corpus_text

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (checks the signature too)."""
    data = open(path, "rb").read(32)
    assert data[:8] == PNG, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(result, *words):
    """Exit 2, one line on stderr naming ``words``, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("hsw2v: error: ")
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def only_files(folder) -> list[str]:
    return sorted(os.listdir(folder))


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run summaries of two tiny runs (sg and cbow) on the same corpus."""
    d = tmp_path_factory.mktemp("runs")
    corpus = d / "corpus.txt"
    corpus.write_text(make_corpus_text(600))
    out = {}
    for model in ("sg", "cbow"):
        train_to_file([str(corpus)], str(d / f"{model}.txt"), model=model, dim=8, epochs=3,
                      min_count=2, threads=1, quiet=True)
        out[model] = d / f"{model}.txt.json"
    return out


@pytest.fixture(scope="module")
def clusters():
    """Vectors of 5 well-separated clusters of 8 words in 16 dimensions (text file, Vectors)."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(5, 16)) * 4
    words, rows = [], []
    for c in range(5):
        for k in range(8):
            words.append(f"g{c}w{k}")
            rows.append(centres[c] + rng.normal(size=16))
    return Vectors(words, np.array(rows, dtype=np.float32))


@pytest.fixture
def vectors_file(tmp_path, clusters):
    p = tmp_path / "v.txt"
    clusters.save(str(p))
    return p


@pytest.fixture(scope="module")
def demo():
    """The demo's planted-structure vectors (one thread: deterministic)."""
    return run_demo(threads=1, quiet=True, seed=1)


# ------------------------------------------------------------------------------ plot loss
def test_plot_loss_overlays_runs(tmp_path, runs):
    out = tmp_path / "loss.png"
    result = cli("plot", "loss", runs["sg"], runs["cbow"], "-o", out)
    assert result.exit_code == 0, result.output
    assert png_size(out) == (800, 450)
    assert out.stat().st_size > 10_000
    assert only_files(tmp_path) == ["loss.png"]  # no temporary left


@pytest.mark.parametrize("ext,magic", [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_the_extension_sets_the_format(tmp_path, runs, ext, magic):
    out = tmp_path / f"loss{ext}"
    assert cli("plot", "loss", runs["sg"], "-o", out).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 5_000


def test_regenerating_gives_the_same_png(tmp_path, runs):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    plot.plot_loss([runs["sg"]], a)
    plot.plot_loss([runs["sg"]], b)
    assert a.read_bytes() == b.read_bytes()


def test_legend_labels_name_what_differs(runs, tmp_path):
    both = [plot.read_run(runs["sg"]), plot.read_run(runs["cbow"])]
    labels = plot.run_labels(both)
    assert labels[0].startswith("model=sg") and labels[1].startswith("model=cbow")
    assert labels == ["model=sg", "model=cbow"]  # their alphas are the models' defaults
    same = plot.run_labels([both[0], both[0]])  # nothing differs: the file names
    assert same == ["sg.txt.json", "sg.txt.json"]


def test_read_run_takes_the_loss_curve(runs):
    run = plot.read_run(runs["sg"])
    summary = json.loads(runs["sg"].read_text())
    assert run.fine
    assert run.words.tolist() == [p["words"] for p in summary["loss_curve"]]
    assert np.all(np.diff(run.words) > 0) and np.isfinite(run.loss).all()
    assert run.epoch_ends[-1] == sum(e["words"] for e in summary["epochs"])


def test_a_summary_without_loss_curve_gives_per_epoch_points(tmp_path, runs):
    summary = json.loads(runs["sg"].read_text())
    del summary["loss_curve"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(summary))
    run = plot.read_run(old)
    assert not run.fine
    assert run.loss.tolist() == [e["loss"] for e in summary["epochs"]]
    assert run.alpha[-1] == pytest.approx(summary["config"]["min_alpha"])
    assert cli("plot", "loss", old, "-o", tmp_path / "old.png").exit_code == 0


@pytest.mark.parametrize("content,words", [
    ("[1, 2, 3]", ["not a run summary", "OUT.json"]),
    ('{"vectors": 1}', ["not a run summary", "'config' and 'epochs'"]),
    ("not json {", ["not a run summary", "not JSON"]),
    ('{"config": {}, "epochs": [], "loss_curve": [{"words": 3}]}', ["malformed loss entry"]),
    ('{"config": {}, "epochs": [], "loss_curve": [{"words": 3, "alpha": 0.1, "loss": 1.0},'
     ' {"words": 2, "alpha": 0.1, "loss": 1.0}]}', ["do not increase"]),
    ('{"config": {}, "epochs": [], "loss_curve": []}', ["no loss to plot"]),
])
def test_not_a_run_summary_is_one_line(tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    out = tmp_path / "loss.png"
    one_line_error(cli("plot", "loss", bad, "-o", out), repr(str(bad)), *words)
    assert not out.exists() and only_files(tmp_path) == ["bad.json"]


def test_label_count_must_match(tmp_path, runs):
    one_line_error(cli("plot", "loss", runs["sg"], runs["cbow"], "--label", "a", "-o",
                       tmp_path / "x.png"), "1 --label for 2 runs")


# ------------------------------------------------------------------------------ plot words
def test_plot_words_top_writes_a_png(tmp_path, vectors_file):
    out = tmp_path / "map.png"
    result = cli("plot", "words", vectors_file, "--top", 30, "-o", out)
    assert result.exit_code == 0, result.output
    assert "30 words" in result.output
    assert png_size(out) == (900, 900) and out.stat().st_size > 10_000


def test_plot_words_with_neighbours(tmp_path, clusters):
    out = tmp_path / "near.png"
    shown = plot.plot_words(clusters, out, ["g0w0", "g3w0"], neighbours=4)
    assert png_size(out) == (900, 900)
    assert shown.words[:2] == ["g0w0", "g3w0"] and len(shown.words) == 10
    # each chosen word's nearest words are its own cluster, and are owned by it
    for w, o in zip(shown.words[2:], shown.owner[2:]):
        assert w[:2] == shown.words[o][:2]
    assert shown.chosen.tolist() == [True, True] + [False] * 8


def test_projection_keeps_neighbours_of_planted_groups(tmp_path, demo):
    """On the demo's vectors, the 2-D nearest neighbour of most words is one of their 5
    nearest in the full space, and shares their planted group; shuffled points do not."""
    d, v = demo.design, demo.vectors
    words = [d.row_marker(i, k) for i in range(d.rows) for k in range(d.markers)]
    words += [d.col_marker(j, k) for j in range(3) for k in range(d.markers)]
    shown = plot.plot_words(v, tmp_path / "demo.png", words)
    assert shown.words == words
    groups = d.groups()
    x = v.unit[[v.get_index(w) for w in words]]
    full = x @ x.T
    np.fill_diagonal(full, -np.inf)
    top5 = np.argsort(-full, axis=1)[:, :5]

    def kept(xy):
        dist = ((xy[:, None] - xy[None]) ** 2).sum(-1)
        np.fill_diagonal(dist, np.inf)
        near = dist.argmin(axis=1)
        in_top = np.mean([near[i] in top5[i] for i in range(len(words))])
        same = np.mean([bool(groups[words[i]] & groups[words[near[i]]])
                        for i in range(len(words))])
        return in_top, same

    in_top, same = kept(shown.xy)
    assert in_top >= 0.9 and same >= 0.9, (in_top, same)
    control = kept(np.random.default_rng(0).permutation(shown.xy))
    assert max(control) < 0.5, control


def test_pca_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 6)) * np.array([5, 3, 1, 0.5, 0.2, 0.1])
    coords, explained = plot.pca(x)
    centred = x - x.mean(axis=0)
    values, vecs = np.linalg.eigh(np.cov(centred.T))
    top = vecs[:, ::-1][:, :2]
    ref = centred @ top
    for j in range(2):  # equal up to the sign of each component
        assert np.allclose(np.abs(coords[:, j]), np.abs(ref[:, j]))
        assert coords[np.argmax(np.abs(coords[:, j])), j] > 0  # the fixed sign
    assert np.allclose(explained, values[::-1][:2] / values.sum())
    two, _ = plot.pca(x[:2])  # two points: one real component, one zero column
    assert two.shape == (2, 2) and np.allclose(two[:, 1], 0)


def test_labels_never_overlap_and_are_thinned_when_crowded():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(200, 2))
    fig = plot._figure(5.0, 5.0)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    plot._limits(ax, xy)
    ax.scatter(xy[:, 0], xy[:, 1], s=10)
    words = [f"word{i:03d}" for i in range(200)]
    placed = plot.place_labels(ax, xy, words)
    assert 20 < len(placed) < 200  # some labelled, the crowded rest left out
    assert placed == sorted(placed)  # placed in the order given
    renderer = fig.canvas.get_renderer()
    boxes = np.array([t.get_window_extent(renderer).extents for t in ax.texts])
    assert len(boxes) == len(placed)
    a, b = boxes[:, None], boxes[None]
    overlap = (a[..., 0] < b[..., 2]) & (b[..., 0] < a[..., 2]) & \
              (a[..., 1] < b[..., 3]) & (b[..., 1] < a[..., 3])
    np.fill_diagonal(overlap, False)
    assert not overlap.any()
    dots = ax.transData.transform(xy)
    for box, i in zip(boxes, placed):  # no label covers another word's dot
        inside = ((dots[:, 0] > box[0]) & (dots[:, 0] < box[2])
                  & (dots[:, 1] > box[1]) & (dots[:, 1] < box[3]))
        inside[i] = False
        assert not inside.any()


def test_a_map_of_200_words_labels_most_of_them(tmp_path, demo):
    shown = plot.plot_words(demo.vectors, tmp_path / "m.png", top=200)
    assert len(shown.words) == min(200, len(demo.vectors))
    assert len(shown.labelled) >= 0.5 * len(shown.words)


def test_tsne_is_used_when_installed(tmp_path, clusters, monkeypatch):
    """The wiring of --method tsne, with a stand-in for scikit-learn's TSNE."""
    calls = []

    class TSNE:
        def __init__(self, **kwargs):
            calls.append(kwargs)

        def fit_transform(self, x):
            return np.column_stack([np.arange(len(x)), np.zeros(len(x))])

    fake = types.ModuleType("sklearn.manifold")
    fake.TSNE = TSNE
    monkeypatch.setitem(sys.modules, "sklearn", types.ModuleType("sklearn"))
    monkeypatch.setitem(sys.modules, "sklearn.manifold", fake)
    shown = plot.plot_words(clusters, tmp_path / "t.png", top=12, method="tsne", seed=9)
    assert calls and calls[0]["random_state"] == 9 and calls[0]["perplexity"] < 12
    assert shown.xy[:, 0].tolist() == list(range(12))
    assert png_size(tmp_path / "t.png") == (900, 900)


# ------------------------------------------------------------------------------ plot analogy
def test_plot_analogy_writes_a_png(tmp_path, vectors_file):
    out = tmp_path / "an.png"
    result = cli("plot", "analogy", vectors_file, "g0w0", "g1w0", "g0w1", "g1w1", "-o", out)
    assert result.exit_code == 0, result.output
    assert png_size(out) == (700, 600) and out.stat().st_size > 5_000


def test_analogy_pairs_share_an_offset_in_the_picture(tmp_path):
    """Planted pairs b = a + offset: the arrows come out parallel and of equal length."""
    rng = np.random.default_rng(1)
    centre = rng.normal(size=20)
    offset = rng.normal(size=20)
    offset -= offset @ centre / (centre @ centre) * centre  # orthogonal, as long as the centre
    offset *= np.linalg.norm(centre) / np.linalg.norm(offset)
    spread = rng.normal(size=(4, 20)) * 0.3
    rows = np.vstack([centre + spread, centre + offset + spread])
    words = [f"a{i}" for i in range(4)] + [f"b{i}" for i in range(4)]
    v = Vectors(words, rows.astype(np.float32))
    pairs = [w for i in range(4) for w in (f"a{i}", f"b{i}")]
    shown = plot.plot_analogy(v, pairs, tmp_path / "a.png")
    xy = {w: shown.xy[i] for i, w in enumerate(shown.words)}
    arrows = np.array([xy[f"b{i}"] - xy[f"a{i}"] for i in range(4)])
    cos = arrows @ arrows[0] / np.linalg.norm(arrows, axis=1) / np.linalg.norm(arrows[0])
    assert (cos > 0.95).all(), cos
    lengths = np.linalg.norm(arrows, axis=1)
    assert lengths.max() < 1.3 * lengths.min()
    assert shown.owner.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


# ------------------------------------------------------------------------------ bad input
def test_unknown_words_are_one_line(tmp_path, vectors_file):
    out = tmp_path / "m.png"
    msg = one_line_error(cli("plot", "words", vectors_file, "g0w0", "nope", "zilch", "-o", out),
                         "unknown words", "'nope'", "'zilch'", "hsw2v info")
    assert "g0w0" not in msg
    one_line_error(cli("plot", "analogy", vectors_file, "g0w0", "g1w0", "g0w1", "nope",
                       "-o", out), "unknown word", "'nope'")
    assert not out.exists()


def test_fewer_than_two_words_is_one_line(tmp_path, vectors_file):
    out = tmp_path / "m.png"
    one_line_error(cli("plot", "words", vectors_file, "g0w0", "-o", out), "at least 2 words",
                   "got 1")
    one_line_error(cli("plot", "words", vectors_file, "g0w0", "g0w0", "-o", out),
                   "at least 2 words")
    one_line_error(cli("plot", "words", vectors_file, "--top", 1, "-o", out), "at least 2 words")
    # one word and its neighbours is a map
    assert cli("plot", "words", vectors_file, "g0w0", "--neighbours", 3, "-o", out).exit_code == 0


@pytest.mark.parametrize("words", [["a", "b", "c"], ["a", "b"], ["a", "b", "c", "d", "e"]])
def test_analogy_needs_pairs(tmp_path, vectors_file, words):
    one_line_error(cli("plot", "analogy", vectors_file, *words, "-o", tmp_path / "a.png"),
                   "even number of words, at least 4", f"got {len(words)}")


def test_bad_output_paths_are_one_line(tmp_path, vectors_file, runs):
    one_line_error(cli("plot", "words", vectors_file, "-o", tmp_path / "map.gif"),
                   "cannot tell the image format", ".png, .svg, .pdf")
    one_line_error(cli("plot", "loss", runs["sg"], "-o", tmp_path / "no" / "loss.png"),
                   "does not exist")
    one_line_error(cli("plot", "words", vectors_file, "-o", tmp_path), "is a folder")
    result = cli("plot", "words", vectors_file)  # no -o
    assert result.exit_code == 2 and "-o" in result.output


def test_missing_matplotlib_says_how_to_install(tmp_path, vectors_file, runs, monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    out = tmp_path / "x.png"
    for args in (("plot", "loss", runs["sg"]), ("plot", "words", vectors_file),
                 ("plot", "analogy", vectors_file, "g0w0", "g1w0", "g0w1", "g1w1")):
        one_line_error(cli(*args, "-o", out), "matplotlib", "install with: pip install "
                                                            "'hsw2v[plot]'")
    assert not out.exists()


@pytest.mark.parametrize("method,package,extra", [("tsne", "scikit-learn", "hsw2v[tsne]"),
                                                  ("umap", "umap-learn", "hsw2v[umap]")])
def test_missing_projection_library_names_the_extra(tmp_path, vectors_file, monkeypatch,
                                                    method, package, extra):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    monkeypatch.setitem(sys.modules, "umap", None)
    out = tmp_path / "m.png"
    one_line_error(cli("plot", "words", vectors_file, "--method", method, "-o", out),
                   f"--method {method} needs {package}", f"pip install '{extra}'")
    assert not out.exists()


def test_a_failed_write_leaves_nothing(tmp_path, clusters, monkeypatch):
    out = tmp_path / "m.png"
    out.write_bytes(b"old picture")

    def broken(self, *args, **kwargs):
        open(args[0], "wb").write(b"half")
        raise OSError(28, "No space left on device")

    from matplotlib.figure import Figure
    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(OSError):
        plot.plot_words(clusters, out, top=10)
    assert out.read_bytes() == b"old picture"  # untouched
    assert only_files(tmp_path) == ["m.png"]


def test_plot_errors_are_hsw2v_errors():
    from hsw2v.errors import Hsw2vError

    assert issubclass(PlotError, Hsw2vError)
    with pytest.raises(PlotError, match="unknown --method 'mds'"):
        plot.check_method("mds")
