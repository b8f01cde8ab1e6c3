"""hsw2v: word2vec-family word vectors with Huffman hierarchical softmax, trained in Numba.

>>> import hsw2v
>>> vectors = hsw2v.train("corpus.txt.gz", model="sg", dim=100, epochs=5)   # doctest: +SKIP
>>> vectors.most_similar("king")                                             # doctest: +SKIP
"""
from hsw2v.distributed import train
from hsw2v.vectors import Vectors

__all__ = ["train", "Vectors", "__version__"]
__version__ = "0.1.0"
