"""hsw2v: word2vec-family word vectors with Huffman hierarchical softmax, trained in Numba.

>>> import hsw2v
>>> vectors = hsw2v.train("corpus.txt.gz", model="sg", dim=100, epochs=5)   # doctest: +SKIP
>>> vectors.most_similar("king")                                             # doctest: +SKIP

The pipeline, one module per stage, in import order: a module imports only modules above
it (``tests/test_layout.py`` checks this list against the code)::

    errors.py       the one-line errors
    version.py      the version
    config.py       options (TOML presets, validation)
    outputs.py      output paths and atomic writes
    interrupt.py    SIGINT/SIGTERM
    progress.py     the progress bar or lines and the loss curve
    corpus.py       files, folders, stdin, .gz/.bz2/.xz -> text blocks
    sentences.py    tokenised sentences from Python, spooled to a file
    kernels/        the jitted code: rows, rng, logistic, hs, ns, softmax, hot rows, tree...
    vocab.py        token counts -> vocabulary (min-count, max-vocab, subsampling)
    huffman.py      counts -> Huffman tree (codes and points of every word)
    subwords.py     character n-grams (fastText's hash) -> the rows of subword vectors
    encoding.py     corpus -> id stream (int32 ids, sentence-piece ends), kept on disk
    shards.py       a corpus cut into byte ranges for a cluster's workers
    formats.py      word2vec text/binary files
    weights.py      Weights (syn0, syn1, syn1neg, syn1sm); a run's start: fresh, a model's...
    modelfile.py    the full model's file
    fasttextfile.py fastText's .bin model files, read and written
    checkpoint.py   save/resume a run's position
    engine.py       what a run asks of the engine that trains its epochs
    threads.py      the local engine: Hogwild threads over chunks of the id stream
    distributed.py  the cluster engine: Dask workers in synchronous rounds
    train.py        one run: set-up, epochs, checkpoints, interruption, summary
    evaluate.py     analogy and word-pair evaluation
    vectors.py      Vectors: lookup, nearest words, analogies
    model.py        Model: the whole model in Python (save, load_model, train further)
    phrases.py      joining frequent word pairs (new york -> new_york) before training
    report.py       text tables for the command line
    plot.py         pictures (loss curves, maps of the vectors)
    demo.py         the planted-structure demo
    cli.py          the click commands
    __main__.py     python -m hsw2v
"""
from hsw2v.model import Model, load_model, train
from hsw2v.phrases import Phrases, phrases
from hsw2v.vectors import Vectors
from hsw2v.version import __version__

__all__ = ["train", "Model", "load_model", "Vectors", "phrases", "Phrases", "__version__"]
