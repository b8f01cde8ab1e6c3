"""User-facing error types.

Every error a user can cause (bad option, unreadable corpus, broken vectors file) is raised as a
subclass of :class:`Hsw2vError`.  The CLI turns these into one line on stderr and exit status 2;
anything else is a bug in hsw2v.
"""


class Hsw2vError(Exception):
    """Base class of errors caused by user input; the message says what is wrong and what to do."""


class ConfigError(Hsw2vError):
    """An option or configuration file value is invalid."""


class CorpusError(Hsw2vError):
    """The corpus cannot be read or yields nothing to train on."""


class VocabError(Hsw2vError):
    """The vocabulary is unusable (too few words, bad vocabulary file)."""


class VectorsFormatError(Hsw2vError):
    """A vectors file is malformed; the message names the file and the line or row."""


class CheckpointError(Hsw2vError):
    """A checkpoint cannot be read or does not belong to the corpus and options given."""


class DistributedError(Hsw2vError):
    """A Dask cluster cannot run the job (unreachable scheduler, no workers, mismatched
    hsw2v versions, the dask extra not installed)."""


class TrainingInterrupted(Hsw2vError):
    """Training stopped on SIGINT/SIGTERM after writing a checkpoint; the CLI exits with 130."""

    exit_code = 130


class PlotError(Hsw2vError):
    """A picture cannot be drawn: bad input (unknown words, not a run summary), a missing
    optional library, or an output path that cannot be written."""
