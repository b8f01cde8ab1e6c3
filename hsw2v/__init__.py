"""hsw2v: word2vec-family word vectors with Huffman hierarchical softmax, trained in Numba.

>>> import hsw2v
>>> vectors = hsw2v.train("corpus.txt.gz", model="sg", dim=100, epochs=5)   # doctest: +SKIP
>>> vectors.most_similar("king")                                             # doctest: +SKIP

The pipeline, one module per stage (data flows left to right; no module imports a later one)::

    corpus.py   files, folders, stdin, .gz/.bz2/.xz -> text blocks
    vocab.py    token counts -> vocabulary (min-count, max-vocab, subsampling probabilities)
    huffman.py  counts -> Huffman tree (codes and points of every word)
    encoding.py corpus -> id stream (int32 ids, sentence-piece ends), kept on disk
    kernels/    the jitted code: rows, rng, logistic, hs, hot rows, tree, chunks, tokens
    train.py    set-up, the threaded epoch loop, progress, the summary
                (with checkpoint.py: save/resume; interrupt.py: SIGINT/SIGTERM;
                 outputs.py: output paths and atomic writes; config.py: options)
    formats.py  word2vec text/binary files
    vectors.py  Vectors: lookup, nearest words, analogies
    model.py    Model: the whole model in Python (save, load_model, train further;
                modelfile.py: its file; weights.py: the weights a run starts from)
    evaluate.py analogy and word-pair evaluation
    report.py   text tables for the command line
    phrases.py  joining frequent word pairs (new york -> new_york) before training
    cli.py      the click commands (demo.py: the planted-structure demo)
"""
from hsw2v.model import Model, load_model, train
from hsw2v.phrases import Phrases, phrases
from hsw2v.vectors import Vectors
from hsw2v.version import __version__

__all__ = ["train", "Model", "load_model", "Vectors", "phrases", "Phrases", "__version__"]
