"""Pictures: loss curves of training runs, 2-D maps of words, analogy pairs as arrows.

matplotlib is an optional dependency (``pip install 'hsw2v[plot]'``), imported only when a
picture is drawn. Figures are built as :class:`matplotlib.figure.Figure` objects on the Agg
canvas, never through pyplot: no GUI backend is chosen, no global figure state is kept.

Every picture goes to a temporary name in the output's folder and is renamed into place, so a
failure never leaves a half-written image; the format comes from the extension (:data:`FORMATS`).

Projections (:func:`project`) are fitted to the unit vectors of the words shown (cosine
geometry): PCA in NumPy by default, t-SNE (scikit-learn) or UMAP (umap-learn) when installed.
Labels are placed by :func:`place_labels`: each tries a few spots around its point and is left
out when all of them would overlap a label already placed, most important words first, so a map
of 200 words stays readable (the dots of unlabelled words stay).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from hsw2v.errors import Hsw2vError, PlotError

log = logging.getLogger(__name__)

#: Output extension -> matplotlib format.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Projection methods; the optional ones name (module, pip package, hsw2v extra).
METHODS = ("pca", "tsne", "umap")
_OPTIONAL = {"tsne": ("sklearn.manifold", "scikit-learn", "tsne"),
             "umap": ("umap", "umap-learn", "umap")}
#: Options of a run's configuration that do not change its loss curve (left out of legends).
_NOT_SETTINGS = {"quiet", "log_every", "checkpoint", "checkpoint_every", "format", "save_vocab",
                 "read_vocab"}
_DPI = 100
_INSTALL = "install with: pip install 'hsw2v[plot]'"


# ----------------------------------------------------------------------------- output, figures
def check_output(path: str | os.PathLike) -> str:
    """Check ``path`` before any work: a known image extension, an existing writable folder,
    and matplotlib installed.

    Returns
    -------
    str
        The image format (``"png"``, ``"svg"`` or ``"pdf"``).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise PlotError(f"output {path!r} is a folder: give a file name, e.g. {path}/map.png")
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise PlotError(f"cannot tell the image format of {path!r} from its extension: end -o "
                        f"with {', '.join(FORMATS)}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise PlotError(f"output folder {folder!r} does not exist: create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PlotError(f"output folder {folder!r} is not writable: choose another -o path")
    _matplotlib()
    return FORMATS[ext]


def _matplotlib():
    """The matplotlib module, or a one-line error with the install command."""
    try:
        import matplotlib
    except ImportError as exc:
        raise PlotError(f"plotting needs matplotlib, which is not installed ({exc}): "
                        f"{_INSTALL}") from exc
    return matplotlib


def _figure(width: float, height: float):
    """A new figure of ``width`` x ``height`` inches on the Agg canvas."""
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path: str | os.PathLike) -> None:
    """Write ``fig`` to ``path`` atomically (a temporary name in its folder, then a rename)."""
    path = os.fspath(path)
    fmt = check_output(path)
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name}.tmp{os.getpid()}")
    # No dates or versions in the files: regenerating a picture gives the same bytes.
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "Creator": None, "Producer": None}}[fmt]
    try:
        fig.savefig(tmp, format=fmt, dpi=_DPI, metadata=metadata)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    log.debug("wrote %s", path)


# ----------------------------------------------------------------------------- loss curves
@dataclasses.dataclass
class Run:
    """The loss curve of one training run, read from its summary (``OUT.json``).

    Attributes
    ----------
    path : str
    config : dict       the run's effective options.
    corpus : list of str      the corpus paths it was trained on.
    words : int64 (P,)        words read at each point, increasing.
    loss : float64 (P,)       mean loss per prediction since the point before (NaN: none).
    alpha : float64 (P,)      learning rate at each point.
    epoch_ends : int64 (E,)   words read at the end of each epoch.
    fine : bool               False when the summary has only per-epoch losses (no loss_curve).
    """

    path: str
    config: dict[str, Any]
    corpus: list[str]
    words: np.ndarray
    loss: np.ndarray
    alpha: np.ndarray
    epoch_ends: np.ndarray
    fine: bool


def read_run(path: str | os.PathLike) -> Run:
    """Read a run summary written by ``hsw2v train`` (``OUT.json``).

    A summary without ``loss_curve`` (from an older hsw2v) gives one point per epoch.
    """
    path = os.fspath(path)
    what = "give the OUT.json that 'hsw2v train' writes beside the vectors OUT"
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise PlotError(f"cannot read run summary {path!r}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PlotError(f"{path!r} is not a run summary (not JSON: {exc}): {what}") from exc
    if (not isinstance(data, dict) or not isinstance(data.get("config"), dict)
            or not isinstance(data.get("epochs"), list)):
        raise PlotError(f"{path!r} is not a run summary (no 'config' and 'epochs' in it): {what}")
    cfg = data["config"]
    try:
        per_epoch = [int(e["words"]) for e in data["epochs"]]
        curve = data.get("loss_curve")
        if curve is None:
            log.warning("%s has no loss_curve (written by an older hsw2v): plotting its "
                        "per-epoch losses", path)
            words = np.cumsum(per_epoch, dtype=np.int64)
            loss = [e["loss"] for e in data["epochs"]]
            total = max(int(words[-1]), 1) if len(words) else 1
            a, a_min = float(cfg["alpha"]), float(cfg["min_alpha"])
            alpha = [max(a_min, a - (a - a_min) * w / total) for w in words]
        else:
            words = np.array([int(p["words"]) for p in curve], dtype=np.int64)
            loss = [p["loss"] for p in curve]
            alpha = [float(p["alpha"]) for p in curve]
        loss = np.array([np.nan if x is None else float(x) for x in loss], dtype=np.float64)
        alpha = np.array(alpha, dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise PlotError(f"{path!r} is not a run summary (a malformed loss entry: {exc!r}): "
                        f"{what}") from exc
    if np.any(np.diff(words) <= 0):
        raise PlotError(f"{path!r} has a loss_curve whose words do not increase: {what}")
    if not np.any(np.isfinite(loss)):
        raise PlotError(f"{path!r} holds no loss to plot (the run trained no prediction, or it "
                        "holds no point): train on a larger corpus")
    corpus = data.get("corpus") if isinstance(data.get("corpus"), list) else []
    return Run(path, cfg, [str(c) for c in corpus], words, loss, alpha,
               np.cumsum(per_epoch, dtype=np.int64), curve is not None)


def run_labels(runs: Sequence[Run]) -> list[str]:
    """Legend labels: the settings that differ between the runs (``model=cbow, window=10``),
    else the file names; the file name is added where labels would collide."""
    settings = [dict(r.config, corpus=",".join(os.path.basename(c) for c in r.corpus))
                for r in runs]
    keys = list(dict.fromkeys(k for s in settings for k in s if k not in _NOT_SETTINGS))
    differ = [k for k in keys if len({json.dumps(s.get(k)) for s in settings}) > 1
              and not (k in ("alpha", "min_alpha") and all(map(_default_alpha, settings)))]
    names = [os.path.basename(r.path) for r in runs]
    if not differ:
        return names
    labels = [", ".join(f"{k}={s.get(k)}" for k in differ) for s in settings]
    if len(set(labels)) < len(labels):
        labels = [f"{lab} ({n})" for lab, n in zip(labels, names)]
    return labels


def _default_alpha(config: dict[str, Any]) -> bool:
    """Whether a run's alpha and min_alpha are its model's defaults (implied by the model)."""
    from hsw2v.config import TrainConfig

    try:
        default = TrainConfig(model=config["model"], threads=1).resolved()
        return (np.isclose(config["alpha"], default.alpha)
                and np.isclose(config["min_alpha"], default.min_alpha))
    except (KeyError, TypeError, ValueError, Hsw2vError):
        return False


def _word_scale(n: float) -> tuple[float, str]:
    for size, name in ((1e9, "billions"), (1e6, "millions"), (1e3, "thousands")):
        if n >= 2 * size:
            return size, f" ({name})"
    return 1.0, ""


def plot_loss(paths: Sequence[str | os.PathLike], output: str | os.PathLike,
              labels: Sequence[str] | None = None) -> list[Run]:
    """Draw the training loss of each run against words read, with the learning rate (dashed)
    on a second axis; several runs are overlaid with a legend of what differs between them.

    Parameters
    ----------
    paths : run summaries (``OUT.json`` of ``hsw2v train``), at least one.
    output : image path (.png, .svg, .pdf).
    labels : legend labels, one per run (default: :func:`run_labels`).

    Returns
    -------
    list of Run
    """
    check_output(output)
    if not paths:
        raise PlotError("give at least one run summary (OUT.json)")
    runs = [read_run(p) for p in paths]
    if labels:
        if len(labels) != len(runs):
            raise PlotError(f"{len(labels)} --label for {len(runs)} runs: give one per run "
                            "or none")
    else:
        labels = run_labels(runs)
    fig = _figure(8.0, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    ax2 = ax.twinx()
    scale, unit = _word_scale(max(int(r.words[-1]) for r in runs))
    colours = [f"C{i % 10}" for i in range(len(runs))]
    for run, label, colour in zip(runs, labels, colours):
        x = run.words / scale
        marker = "" if run.fine else "o"
        ax.plot(x, run.loss, color=colour, lw=1.3, marker=marker, ms=4, label=label)
        ax2.plot(x, run.alpha, color=colour, lw=0.9, ls="--", alpha=0.55)
    ends = {tuple(r.epoch_ends.tolist()) for r in runs}
    if len(ends) == 1:  # same epochs in every run: mark them
        for w in runs[0].epoch_ends[:-1]:
            ax.axvline(w / scale, color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel(f"words read{unit}" + (" — grey lines: epoch ends" if len(ends) == 1
                                         and len(runs[0].epoch_ends) > 1 else ""))
    ax.set_ylabel("training loss (mean per prediction)")
    ax2.set_ylabel("learning rate (dashed)")
    ax2.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.grid(True, axis="y", color="0.93")
    ax.set_axisbelow(True)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    corpora = {", ".join(os.path.basename(str(c)) for c in r.corpus) for r in runs}
    on = corpora.pop() if len(corpora) == 1 else ""
    ax.set_title("Training loss" + (f" on {on}" if on else ""), fontsize=11)
    fig.tight_layout()
    save_figure(fig, output)
    return runs


# ----------------------------------------------------------------------------- projections
def pca(x: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Principal component analysis in NumPy (SVD of the centred rows).

    Each component's sign is fixed so that its largest coordinate (in absolute value) is
    positive: the same input always gives the same picture.

    Parameters
    ----------
    x : float (n, d)
    k : int
        Components kept; missing ones (``min(n, d) < k``) are zero columns.

    Returns
    -------
    coords : float64 (n, k)
    explained : float64 (k,)     share of the total variance along each component.
    """
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    m = min(k, vt.shape[0])
    coords = np.zeros((x.shape[0], k))
    coords[:, :m] = centred @ vt[:m].T
    for j in range(m):
        if coords[np.argmax(np.abs(coords[:, j])), j] < 0:
            coords[:, j] *= -1
    var = s ** 2
    explained = np.zeros(k)
    if var.sum() > 0:
        explained[:m] = var[:m] / var.sum()
    return coords, explained


def project(x: np.ndarray, method: str = "pca", seed: int = 1) -> np.ndarray:
    """Project rows to 2-D with ``method`` (``pca``, ``tsne`` or ``umap``).

    Parameters
    ----------
    x : float (n, d), n >= 2
    method : str
    seed : int
        Seeds t-SNE and UMAP (PCA needs none).

    Returns
    -------
    float64 (n, 2)
    """
    check_method(method)
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if method == "pca":
        return pca(x)[0]
    if method == "tsne":
        from sklearn.manifold import TSNE

        # perplexity must stay below n; ~n/3 for small maps, sklearn's 30 for large ones
        model = TSNE(n_components=2, perplexity=max(1.0, min(30.0, (n - 1) / 3)),
                     init="pca", random_state=seed)
    else:
        import umap

        if n < 4:
            raise PlotError(f"--method umap needs at least 4 words, got {n}: add words or use "
                            "--method pca")
        model = umap.UMAP(n_components=2, n_neighbors=max(2, min(15, n - 1)), random_state=seed)
    with warnings.catch_warnings():
        # umap warns that a seed makes it single-threaded: a seeded picture is the point
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(model.fit_transform(x), dtype=np.float64)


def check_method(method: str) -> None:
    """Refuse an unknown method, or an optional one whose library is not installed."""
    if method not in METHODS:
        raise PlotError(f"unknown --method {method!r}: choose {', '.join(METHODS)}")
    if method in _OPTIONAL:
        module, package, extra = _OPTIONAL[method]
        import importlib

        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise PlotError(f"--method {method} needs {package}, which is not installed: "
                            f"install with: pip install 'hsw2v[{extra}]' (or use --method pca)"
                            ) from exc


# ----------------------------------------------------------------------------- labels
def place_labels(ax, xy: np.ndarray, texts: Sequence[str], order: Sequence[int] | None = None,
                 *, fontsize: float | Sequence[float] = 7.5,
                 colors: str | Sequence[Any] = "0.1", gap: float = 3.0) -> list[int]:
    """Label points without overlapping labels: offset them, and thin them when needed.

    In ``order`` (most important first), each label tries eight spots around its point (right,
    left, above, below, then the diagonals), ``gap`` points away; it takes the first whose box
    lies inside the axes and covers no label already placed and no other point, or is left out.
    Call after the axes' limits and position are final (boxes are measured in display pixels).

    Parameters
    ----------
    ax : matplotlib Axes
    xy : float (n, 2)       data coordinates of the points.
    texts : n labels.
    order : indices to label, most important first (default: all, in order).
    fontsize, colors : one for all, or one per point.

    Returns
    -------
    list of int
        The indices labelled, in the order placed.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    n = len(texts)
    order = range(n) if order is None else order
    sizes = [fontsize] * n if np.ndim(fontsize) == 0 else list(fontsize)
    cols = [colors] * n if isinstance(colors, str) else list(colors)
    spots = [((1, 0), "left", "center"), ((-1, 0), "right", "center"),
             ((0, 1), "center", "bottom"), ((0, -1), "center", "top"),
             ((0.7, 0.7), "left", "bottom"), ((-0.7, 0.7), "right", "bottom"),
             ((0.7, -0.7), "left", "top"), ((-0.7, -0.7), "right", "top")]
    boxes = np.empty((0, 4))  # x0, y0, x1, y1 of the labels placed, in pixels
    dots = ax.transData.transform(np.asarray(xy, dtype=np.float64))  # (n, 2) pixels
    radius = 2.5 * fig.dpi / 72  # a dot's radius, in pixels
    placed = []
    pad = 1.0
    for i in order:
        t = ax.annotate(texts[i], xy[i], xytext=(0, 0), textcoords="offset points",
                        fontsize=sizes[i], color=cols[i], annotation_clip=False)
        for (dx, dy), ha, va in spots:
            t.set_position((dx * gap, dy * gap))
            t.set_ha(ha)
            t.set_va(va)
            b = t.get_window_extent(renderer)
            box = np.array([b.x0 - pad, b.y0 - pad, b.x1 + pad, b.y1 + pad])
            inside = (box[0] >= frame.x0 and box[1] >= frame.y0 and box[2] <= frame.x1
                      and box[3] <= frame.y1)
            covered = ((dots[:, 0] > box[0] - radius) & (dots[:, 0] < box[2] + radius)
                       & (dots[:, 1] > box[1] - radius) & (dots[:, 1] < box[3] + radius))
            covered[i] = False
            if (inside and not covered.any()
                    and not np.any((boxes[:, 0] < box[2]) & (box[0] < boxes[:, 2])
                                   & (boxes[:, 1] < box[3]) & (box[1] < boxes[:, 3]))):
                boxes = np.vstack([boxes, box])
                placed.append(int(i))
                break
        else:
            t.remove()
    return placed


def _limits(ax, xy: np.ndarray, margin: float = 0.08) -> None:
    """Square-ish limits around the points with room for labels."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    ax.set_xlim(lo[0] - margin * span[0], hi[0] + margin * span[0])
    ax.set_ylim(lo[1] - margin * span[1], hi[1] + margin * span[1])


def _check_words(vectors, words: Sequence[str]) -> None:
    missing = [w for w in dict.fromkeys(words) if w not in vectors]
    if missing:
        listed = ", ".join(repr(w) for w in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        plural = "s" if len(missing) > 1 else ""
        raise PlotError(f"unknown word{plural} {listed}{more} (not among the {len(vectors)} "
                        "words loaded): check the spelling, or see the vocabulary with "
                        "'hsw2v info VECTORS --top 100'")


# ----------------------------------------------------------------------------- word maps
@dataclasses.dataclass
class WordMap:
    """What a word picture shows.

    Attributes
    ----------
    words : list of str     every word on the map.
    xy : float64 (n, 2)     their projected coordinates.
    owner : int64 (n,)      the chosen word each belongs to (its own index for a chosen word).
    chosen : bool (n,)      True for the chosen words, False for the neighbours added.
    labelled : list of int  indices of the words that got a label.
    method : str
    """

    words: list[str]
    xy: np.ndarray
    owner: np.ndarray
    chosen: np.ndarray
    labelled: list[int]
    method: str


def choose_words(vectors, words: Sequence[str] = (), top: int = 100, neighbours: int = 0
                 ) -> tuple[list[str], np.ndarray]:
    """The words of a map: ``words`` (default: the ``top`` first, i.e. most frequent, words of
    the file) followed by each one's ``neighbours`` nearest words not already on it.

    Returns
    -------
    words : list of str
    owner : int64 (n,)    index of the chosen word that brought each word (itself if chosen).
    """
    if words:
        _check_words(vectors, words)
        chosen = list(dict.fromkeys(words))
    else:
        if top < 1:
            raise PlotError(f"--top {top} is out of range: give at least 1 (or WORDs)")
        chosen = list(vectors.words[:top])
    out = list(chosen)
    owner = list(range(len(chosen)))
    if neighbours > 0:
        seen = set(out)
        for i, near in enumerate(vectors.most_similar_many(chosen, topn=neighbours)):
            for w, _ in near:
                if w not in seen:
                    seen.add(w)
                    out.append(w)
                    owner.append(i)
    if len(out) < 2:
        raise PlotError(f"a map needs at least 2 words, got {len(out)} ({', '.join(out)}): give "
                        "more WORDs, a larger --top, or --neighbours K")
    return out, np.array(owner, dtype=np.int64)


def plot_words(vectors, output: str | os.PathLike, words: Sequence[str] = (), *,
               top: int = 100, neighbours: int = 0, method: str = "pca", seed: int = 1
               ) -> WordMap:
    """Draw a 2-D map of words (:func:`choose_words`), projected with ``method``.

    With ``neighbours``, each chosen word's nearest words share its colour and are joined to it
    by thin lines. Labels are placed by :func:`place_labels` (chosen words first, in order).

    Parameters
    ----------
    vectors : hsw2v.vectors.Vectors
    output : image path (.png, .svg, .pdf).
    words : words to show (default: the ``top`` most frequent).
    top, neighbours : int
    method : ``pca``, ``tsne`` or ``umap``.
    seed : seeds t-SNE and UMAP.

    Returns
    -------
    WordMap
    """
    check_output(output)
    check_method(method)
    if neighbours < 0:
        raise PlotError(f"--neighbours {neighbours} is out of range: give 0 or more")
    shown, owner = choose_words(vectors, words, top, neighbours)
    rows = [vectors.get_index(w) for w in shown]
    xy = project(vectors.unit[rows], method, seed)
    chosen = owner == np.arange(len(shown))
    n_chosen = int(chosen.sum())
    fig = _figure(9.0, 9.0)
    ax = fig.add_axes((0.02, 0.05, 0.96, 0.9))
    ax.set_xticks([])
    ax.set_yticks([])
    _limits(ax, xy)
    # A colour per chosen word when there are few with neighbours; else one colour.
    grouped = neighbours > 0 and n_chosen <= 20
    palette = [f"C{i % 10}" for i in range(n_chosen)] if grouped else ["C0"] * n_chosen
    colour = [palette[o] for o in owner]
    if neighbours > 0:
        for i in np.flatnonzero(~chosen):
            o = owner[i]
            ax.plot(xy[[o, i], 0], xy[[o, i], 1], color=colour[i], lw=0.5, alpha=0.35, zorder=1)
    ax.scatter(xy[~chosen, 0], xy[~chosen, 1], s=10,
               c=[colour[i] for i in np.flatnonzero(~chosen)], alpha=0.6, zorder=2, lw=0)
    ax.scatter(xy[chosen, 0], xy[chosen, 1], s=22, c=[colour[i] for i in np.flatnonzero(chosen)],
               zorder=3, lw=0)
    order = list(np.flatnonzero(chosen)) + list(np.flatnonzero(~chosen))
    sizes = [8.5 if c else 7.0 for c in chosen]
    label_colours = ["0.05" if c or not grouped else colour[i] for i, c in enumerate(chosen)]
    labelled = place_labels(ax, xy, shown, order, fontsize=sizes, colors=label_colours)
    what = (f"{n_chosen} words and their {neighbours} nearest" if neighbours > 0
            else f"the {n_chosen} most frequent words" if not words else f"{n_chosen} words")
    ax.set_title(f"{_method_name(method)} map of {what}", fontsize=11)
    left_out = len(shown) - len(labelled)
    fig.text(0.02, 0.015, f"{len(shown)} words, projected from their unit vectors"
             + (f"; {left_out} labels left out where they would overlap" if left_out else ""),
             fontsize=8, color="0.35")
    save_figure(fig, output)
    return WordMap(shown, xy, owner, chosen, labelled, method)


def _method_name(method: str) -> str:
    return {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}[method]


def plot_analogy(vectors, words: Sequence[str], output: str | os.PathLike) -> WordMap:
    """Draw analogy pairs ``A B C D ...`` (A→B, C→D, ...) as arrows in the PCA plane of those
    words' unit vectors: parallel arrows of similar length mean the offset is shared.

    Parameters
    ----------
    vectors : hsw2v.vectors.Vectors
    words : an even number (at least 4) of words: pairs.
    output : image path (.png, .svg, .pdf).

    Returns
    -------
    WordMap
        ``owner`` gives each word's pair.
    """
    check_output(output)
    words = list(words)
    if len(words) < 4 or len(words) % 2:
        raise PlotError(f"give word pairs A B C D ... (an even number of words, at least 4, "
                        f"e.g. man woman king queen), got {len(words)}: {' '.join(words)}")
    _check_words(vectors, words)
    shown = list(dict.fromkeys(words))
    if len(shown) < 2:
        raise PlotError(f"the pairs hold only one distinct word ({shown[0]}): give different "
                        "words")
    where = {w: i for i, w in enumerate(shown)}
    pairs = [(where[a], where[b]) for a, b in zip(words[::2], words[1::2])]
    xy, explained = pca(vectors.unit[[vectors.get_index(w) for w in shown]])
    owner = np.zeros(len(shown), dtype=np.int64)
    for p, (a, b) in enumerate(pairs):
        owner[a] = owner[b] = p
    fig = _figure(7.0, 6.0)
    ax = fig.add_axes((0.1, 0.1, 0.86, 0.8))
    _limits(ax, xy, margin=0.15)
    for p, (a, b) in enumerate(pairs):
        ax.annotate("", xy[b], xytext=xy[a],
                    arrowprops=dict(arrowstyle="-|>", color=f"C{p % 10}", lw=1.4,
                                    shrinkA=4, shrinkB=4))
    ax.scatter(xy[:, 0], xy[:, 1], s=18, c="0.2", zorder=3, lw=0)
    labelled = place_labels(ax, xy, shown, fontsize=9)
    ax.set_xlabel(f"PC1 ({100 * explained[0]:.0f}% of the variance of these words)", fontsize=8)
    ax.set_ylabel(f"PC2 ({100 * explained[1]:.0f}%)", fontsize=8)
    ax.tick_params(labelsize=7)
    title = ", ".join(f"{words[2 * p]}→{words[2 * p + 1]}" for p in range(min(len(pairs), 4)))
    ax.set_title(title + (", ..." if len(pairs) > 4 else ""), fontsize=11)
    save_figure(fig, output)
    return WordMap(shown, xy, owner, np.ones(len(shown), dtype=bool), labelled, "pca")
