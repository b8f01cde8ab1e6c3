"""Shared fixtures: tiny corpora so the suite (JIT included) stays fast."""
from __future__ import annotations

import contextlib
import os
import random

import pytest

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def make_corpus_text(n_sentences: int = 300, seed: int = 0) -> str:
    """A small deterministic corpus with two topic groups, one sentence per line."""
    rng = random.Random(seed)
    animals = ["cat", "dog", "mouse", "horse", "cow", "sheep"]
    tools = ["hammer", "saw", "drill", "wrench", "screw", "nail"]
    fillers = ["the", "a", "and", "of", "with", "near"]
    lines = []
    for _ in range(n_sentences):
        group = animals if rng.random() < 0.5 else tools
        words = [rng.choice(group) if rng.random() < 0.6 else rng.choice(fillers)
                 for _ in range(rng.randint(4, 12))]
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


@pytest.fixture
def small_corpus(tmp_path):
    """Path of a small text corpus file."""
    p = tmp_path / "corpus.txt"
    p.write_text(make_corpus_text())
    return p


@pytest.fixture(scope="session")
def shared_data():
    """Folder of the shared benchmark data (for opt-in slow tests)."""
    if not os.path.isdir(SHARED):
        pytest.fail(f"shared data folder {SHARED} is missing")
    return SHARED


@contextlib.contextmanager
def cluster_client(workers: int = 2):
    """A client of a fresh :func:`local_cluster`, both closed at the end."""
    import distributed

    cluster = local_cluster(workers)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


_FORKSERVER = []


def _workers_forked_from_a_warm_server() -> None:
    """Start the tests' worker processes by forking a server process that has already imported
    hsw2v (multiprocessing's ``forkserver``, preloaded) instead of a fresh interpreter each
    (Dask's default, ``spawn``): each worker then skips importing numpy, numba, dask and hsw2v,
    ~2 CPU s, and the cluster tests start some 80 workers (a cluster per fault test, a
    replacement per killed worker). Still separate processes: a kill is a real kill. Once per
    test process, before its first cluster."""
    if _FORKSERVER:
        return
    import dask
    from distributed.utils import get_mp_context

    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    ctx = get_mp_context()  # Dask's own preload list, set once; ours replaces it
    ctx.set_forkserver_preload(["distributed", "numpy", "numba", "hsw2v", "hsw2v.distributed"])
    _FORKSERVER.append(ctx)


def local_cluster(workers: int = 2):
    """A Dask LocalCluster of ``workers`` processes x 1 thread, quiet (the cluster tests')."""
    import logging

    import distributed

    _workers_forked_from_a_warm_server()
    return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                    dashboard_address=":0", silence_logs=logging.CRITICAL)
