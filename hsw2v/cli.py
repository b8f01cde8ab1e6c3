"""Command-line interface: thin click commands, one public function each.

Every command turns :class:`hsw2v.errors.Hsw2vError` into one line on stderr and exit status 2
(see :class:`_Group`); the work itself lives in the library modules.
"""
from __future__ import annotations

import atexit as _atexit
import gc as _gc
import json as _json
import logging
import os as _os
import sys

import click

from hsw2v import interrupt as _interrupt
from hsw2v import report as _report
from hsw2v.errors import Hsw2vError
from hsw2v.formats import ENCODING_ERRORS as _ENCODING_ERRORS
from hsw2v.formats import detect_binary as _detect_binary
from hsw2v.formats import is_binary_name as _is_binary_name
# Before a command that runs kernels: numba's target without SciPy's BLAS probe (start-up time)
from hsw2v.kernels.policy import load_numba_without_scipy as _load_kernels
from hsw2v.outputs import check_not_inputs as _check_not_inputs
from hsw2v.outputs import check_output_path as _check_output_path
from hsw2v.vectors import UnknownWordError as _UnknownWordError
from hsw2v.vectors import Vectors as _Vectors


class _Group(click.Group):
    """Click group that reports user errors as one line and exit status 2, never a traceback."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        # At exit the interpreter would garbage-collect every object numba's type system and
        # the loaded kernels left: 0.25-0.4 s of a training run's wall time, measured. The
        # process is ending and every output is closed by then, so exempt them (atexit runs
        # this after handlers registered later, such as Dask's).
        _atexit.register(_gc.freeze)
        _interrupt.forget()
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:  # bad flag or option value: one line, not click's block
            where = exc.ctx.command_path if exc.ctx is not None else "hsw2v"
            hint = ""
            if (exc.ctx is not None and exc.ctx.info_name == "evaluate"
                    and "unexpected extra argument" in exc.format_message()):
                # `hsw2v evaluate v.bin questions-words.txt`: the data file needs its flag
                hint = ("; give the data file with --analogies FILE (questions-words.txt) "
                        "or --pairs FILE (wordsim353.tsv)")
            click.echo(f"hsw2v: error: {exc.format_message()}{hint} (see '{where} --help')",
                       err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"hsw2v: error: {exc.format_message()}", err=True)
            sys.exit(2)
        except click.Abort:  # Ctrl-C: what it stopped, and what was (not) written
            running = " ".join(["running hsw2v", *self._running[:1]])
            click.echo(f"hsw2v: {_interrupt.message(running)}", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)

    _running: list[str] = []  # the command given (for a Ctrl-C that no phase names)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except BrokenPipeError:  # `hsw2v --help | head -1` (--help and --version print here)
            _stdout_gone()
            raise click.exceptions.Exit(141) from None

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, cmd, rest = super().resolve_command(ctx, args)
        if name is not None:
            self._running = [name]
        return name, cmd, rest

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Hsw2vError as exc:
            code = getattr(exc, "exit_code", 2)  # 130 for an interrupted training run
            click.echo(f"hsw2v: {'error: ' if code == 2 else ''}{exc}", err=True)
            ctx.exit(code)
        except BrokenPipeError:  # `hsw2v similar ... | head`: the reader has what it wanted
            _stdout_gone()
            ctx.exit(141)  # as a tool that SIGPIPE ended (128 + 13)
        except OSError as exc:  # e.g. disk full, permission denied while writing
            if exc.filename is not None:
                msg = f"{exc.strerror or exc}: {exc.filename}"
            else:
                msg = str(exc)
            click.echo(f"hsw2v: error: {msg}", err=True)
            ctx.exit(2)


def _stdout_gone() -> None:
    """The reader of stdout has gone: send stdout nowhere from now on, so that Python's flush
    at exit cannot fail again (with an error line on stderr)."""
    _os.dup2(_os.open(_os.devnull, _os.O_WRONLY), sys.stdout.fileno())


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hsw2v")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """hsw2v: word2vec with Huffman hierarchical softmax, trained in Numba.

    \b
    Example:
      hsw2v train corpus.txt.gz -o vectors.bin
      hsw2v similar vectors.bin king
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )


class _Share(click.ParamType):
    """A share of something: ``0.005`` or ``0.5%``."""

    name = "share"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        text = str(value).strip()
        try:
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            self.fail(f"{value!r} is not a share (e.g. 0.005 or 0.5%)", param, ctx)


_SHARE = _Share()

_ENCODING_HELP = ("The corpus files' encoding, e.g. latin-1 or cp1252 (any codec Python knows "
                  "that reads ASCII as ASCII); bytes it cannot decode become U+FFFD.")


# ------------------------------------------------------------------------------------ training
_TRAIN_EPILOG = """\b
Examples:
  hsw2v train text8.gz -o vectors.bin
  hsw2v train corpus/ -o vectors.txt --model cbow --dim 200 --threads 8
  hsw2v train text8.gz -o ns.bin --loss ns --negative 5
  hsw2v train text8.gz -o sub.bin --subwords 3-6 --save-model sub.npz
  hsw2v train more.txt --from-model m.npz -o v2.bin --save-model m2.npz
  zcat big.gz | hsw2v train - -o vectors.bin --config configs/sg-hs.toml
  hsw2v train big.txt -o vectors.bin --checkpoint-every 30   # Ctrl-C stops and saves too
  hsw2v train --resume vectors.bin.ckpt
  hsw2v train /shared/corpus/ -o vectors.bin --dask tcp://10.0.0.1:8786 --threads 4
  hsw2v train corpus.txt -o vectors.bin --dask local:2 --threads 1
"""


class _TrainCommand(click.Command):
    """``train``: a line with the word2vec C tool's, fastText's or gensim's options gets the
    whole equivalent hsw2v command at once (hsw2v.config.translate), before click reads
    ``-train`` as ``-t rain`` (or ``-output`` as ``-o utput``); one of our own options given
    with one dash, on a line with no other tool's, gets "two dashes"."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--help" in args or "-h" in args:
            return super().parse_args(ctx, args)
        line = _scan_train_line(self.params, args)
        if line is not None:
            line.refuse(ctx)
        return super().parse_args(ctx, args)


class _ForeignLine(click.ClickException):
    """Another tool's options: the whole hsw2v command on the lines after the first (no
    "see --help" after it, so that it can be copied as it is)."""

    exit_code = 2


class _TrainLine:
    """A ``train`` command line taken apart: our options, other tools', the corpus."""

    def __init__(self, given, corpus, command, unknown, fields):
        self.given, self.corpus, self.command, self.unknown = given, corpus, command, unknown
        self.fields = fields  # our options' fields

    def refuse(self, ctx: click.Context) -> None:
        from hsw2v.config import foreign_hint, translate, unknown_option

        foreign = [g for g in self.given if g.tool not in (None, "hsw2v")]
        if not foreign and self.command is None:
            # only our own names, with one dash: the one-line hint ("two dashes")
            for g in self.given:
                if g.tool == "hsw2v":
                    hint = foreign_hint(g.name, "cli", g.value, self.fields)
                    if hint is not None:
                        raise click.UsageError(hint, ctx=ctx)
            return
        t = translate(self.given, "cli", corpus=self.corpus, command=self.command,
                      fields=self.fields)
        t.notes += [f"{unknown_option(name, 'cli')}: dropped" for name in self.unknown]
        raise _ForeignLine(t.render())


def _scan_train_line(params, args: list[str]) -> _TrainLine | None:
    """Take ``train``'s arguments apart for :class:`_TrainCommand`; None where every option
    is ours (click reads them)."""
    from hsw2v.config import FASTTEXT_COMMANDS, FASTTEXT_SWITCHES, Given, tool_option

    opts: dict[str, tuple[str, bool]] = {}  # our option -> (field, takes a value)
    for p in params:
        if isinstance(p, click.Option):
            field = {"fmt": "format", "config_file": "config"}.get(p.name, p.name)
            for o in p.opts + p.secondary_opts:
                opts[o] = (field, not p.is_flag)
    fields = {f for f, _ in opts.values()}
    given, corpus, unknown, other = [], [], [], False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            corpus += args[i + 1:]
            break
        name, eq, value = arg.partition("=")
        nxt = args[i + 1] if i + 1 < len(args) else None
        nxt_is_value = nxt is not None and (not nxt.startswith("-") or nxt == "-"
                                            or _is_number(nxt))
        if arg in opts or (eq and name.startswith("--") and name in opts):
            field, takes = opts[name]
            if takes and not eq:
                value, i = nxt, i + 1
            elif not takes:
                value = not name.startswith("--no-")
            given.append(Given(name, value, field=field,
                               raw=(arg,) if eq or not takes or nxt is None else (arg, nxt)))
        elif not arg.startswith("-") or arg == "-" or _is_number(arg):
            corpus.append(arg)
        else:
            n = name.lstrip("-").replace("_", "-").lower()  # as hsw2v.config compares names
            field = n.replace("-", "_")
            found = tool_option(name, "cli")
            if len(name) == 2 and name != "-t":  # a short option of click's
                found = None
            if (name.startswith("-") and not name.startswith("--") and field in fields
                    and (found is None or found[1] == field or n == "loss")):
                tool = "hsw2v"  # ours, with one dash
                takes = opts.get("--" + n, (field, True))[1]
            elif found is not None:
                tool = found[0]
                takes = not (tool == "fastText" and n in FASTTEXT_SWITCHES)
                other = True
            else:  # nobody's: said after the command (with its value, if a number follows)
                unknown.append(name)
                i += 2 if not eq and nxt is not None and _is_number(nxt) else 1
                continue
            if takes and not eq:
                value = nxt if nxt_is_value else None
                i += 1 if nxt_is_value else 0
            elif not takes:
                value = None if tool != "hsw2v" else True
            given.append(Given(name, value, tool=tool))
        i += 1
    command = None
    if corpus and corpus[0] in FASTTEXT_COMMANDS and not _os.path.exists(corpus[0]):
        command = corpus.pop(0)  # fastText's first word: skipgram, cbow
        other = True
    if not other and not any(g.tool == "hsw2v" for g in given):
        return None
    return _TrainLine(given, corpus or None, command, unknown, fields)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@main.command(cls=_TrainCommand, epilog=_TRAIN_EPILOG)
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", metavar="OUT",
              help="Vectors file to write (.bin: binary, else text unless --format).")
@click.option("--config", "config_file", metavar="FILE.toml",
              help="TOML file of options; flags given here override it.")
@click.option("--model", type=str, help="sg (skip-gram, default) or cbow.")
@click.option("--loss", type=str,
              help="Objective: hs (hierarchical softmax, default), ns (negative sampling), "
                   "hs+ns (both, as word2vec's -hs 1 -negative 5) or softmax (exact, O(V) per "
                   "prediction: small vocabularies only).")
@click.option("--negative", type=int, metavar="K",
              help="Noise words per prediction with ns or hs+ns.  [default: 5]")
@click.option("--ns-exponent", type=float,
              help="Noise distribution: counts ** this.  [default: 0.75]")
@click.option("--holdout", type=_SHARE, metavar="SHARE",
              help="Hold out this share of the corpus (e.g. 0.005) and report its loss after "
                   "every epoch, beside the training loss.  [default: 0]")
@click.option("--subwords", type=str, metavar="MIN-MAX",
              help="Subword vectors as fastText's: each word is the mean of its row and its "
                   "character n-grams' rows (MIN to MAX characters, e.g. 3-6), so words never "
                   "seen get vectors too.  [default: off]")
@click.option("--buckets", type=int, metavar="N",
              help="Hash buckets of the n-grams (fastText's -bucket).  [default: 2000000]")
@click.option("--dim", type=int, help="Vector dimensionality.  [default: 100]")
@click.option("--window", type=int, help="Maximum context window.  [default: 5]")
@click.option("--min-count", type=int, help="Ignore words seen fewer times.  [default: 5]")
@click.option("--max-vocab", type=int, metavar="N", help="Keep only the N most frequent words.")
@click.option("--sample", type=float, help="Subsampling threshold, 0 to disable.  [default: 1e-3]")
@click.option("--alpha", type=float, help="Start learning rate.  [default: 0.025 sg, 0.05 cbow]")
@click.option("--min-alpha", type=float, help="Final learning rate.  [default: alpha * 1e-4]")
@click.option("--epochs", type=int, help="Passes over the corpus.  [default: 5]")
@click.option("--threads", type=int, help="Worker threads.  [default: all cores]")
@click.option("--seed", type=int, help="Random seed.  [default: 1]")
@click.option("--max-sentence-length", type=int,
              help="Cut longer sentences into pieces of this many words.  [default: 10000]")
@click.option("--prune-at", type=int, metavar="N",
              help="Distinct tokens held while counting before rare ones are pruned.  "
                   "[default: 5000000]")
@click.option("--encoding", metavar="NAME", help=_ENCODING_HELP + "  [default: utf-8]")
@click.option("--shuffle/--no-shuffle", default=None,
              help="Train each thread's chunks of ~10,000 words in a new random order every "
                   "epoch, or in corpus order as word2vec does.  [default: shuffle]")
@click.option("--format", "fmt", type=str, help="text or binary.  [default: from OUT's extension]")
@click.option("--save-model", metavar="MODEL",
              help="Also save the full model (vocabulary, tree, every weight, options) to "
                   "train further or load in Python.")
@click.option("--from-model", metavar="MODEL",
              help="Train this saved model (or a fastText .bin) further on CORPUS (its "
                   "vocabulary, tree and options; the learning rate starts again from --alpha).")
@click.option("--grow-vocab", is_flag=True, default=None,
              help="With --from-model: add the new words that reach --min-count.")
@click.option("--init-vectors", metavar="VECTORS",
              help="Start the words this vectors file holds from its vectors.")
@click.option("--freeze-init", is_flag=True, default=None,
              help="Keep the --init-vectors rows fixed while the other words train.")
@click.option("--save-vocab", metavar="FILE", help="Write the vocabulary as 'word count' lines.")
@click.option("--read-vocab", metavar="FILE", help="Use this 'word count' vocabulary file.")
@click.option("--checkpoint", metavar="PATH",
              help="Where checkpoints are written.  [default: OUT.ckpt]")
@click.option("--checkpoint-every", type=float, metavar="MINUTES",
              help="Also write a checkpoint every MINUTES of training.  "
                   "[default: 30 with --checkpoint, else only on Ctrl-C/SIGTERM]")
@click.option("--resume", metavar="CHECKPOINT",
              help="Continue an interrupted run (CORPUS and -o default to the checkpoint's).")
@click.option("--dask", metavar="ADDRESS",
              help="Train on the workers of the Dask scheduler at ADDRESS (tcp://HOST:PORT), or "
                   "on local:N worker processes started here; --threads is then per worker "
                   "[default: the worker's cores]. Needs pip install 'hsw2v[dask]'.")
@click.option("--sync-words", type=int, metavar="N",
              help="With --dask: words each worker trains per synchronous round.  "
                   "[default: 2**22 / workers**4 (2 workers: 262144; 8 workers: 4096), at "
                   "least 4096 per thread; with negative sampling 2**19 / workers**4 (2 "
                   "workers: 32768)]")
@click.option("--dask-slots", type=int, metavar="N",
              help="With --dask: cut the corpus into N parts, each trained in a slot of its own "
                   "(slots share workers when there are fewer). The schedule, and so the "
                   "vectors, then do not depend on how many workers are up when the run starts. "
                   " [default: one per worker at the start]")
@click.option("--combine", type=str, metavar="RULE",
              help="With --dask: how the workers' changes to a row are combined: mixed (sum "
                   "for rarely updated rows, mean for hot ones; with --loss hs, hot ones are "
                   "summed too as the learning rate falls), sum, average or weighted.  "
                   "[default: mixed]")
@click.option("--overlap/--no-overlap", default=None,
              help="With --dask and more than one worker: train the next round while the last "
                   "one's changes are combined and sent, instead of waiting for them (each "
                   "worker then sees the others' changes a round later; README).  "
                   "[default: no-overlap]")
@click.option("--log-every", type=float, metavar="SECONDS",
              help="When stderr is not a terminal, a plain progress line every SECONDS instead "
                   "of the bar.  [default: 10]")
@click.option("-q", "--quiet", is_flag=True, default=None,
              help="Nothing on success: no progress, epoch or final 'wrote' lines (warnings "
                   "and errors still show).")
def train(corpus, output, config_file, fmt, resume, **options):
    """Train word vectors on CORPUS (files, folders, - for stdin; .gz/.bz2/.xz read directly).

    Writes OUT in word2vec format and OUT.json with the effective configuration and a run
    summary. Ctrl-C or SIGTERM stops within a second or two, writes a checkpoint and exits
    with status 130; --resume continues the same schedule.
    """
    from hsw2v.train import train_to_file

    _load_kernels()
    if resume is None and not corpus:
        if config_file:
            raise click.UsageError(f"missing argument CORPUS: {config_file} holds options only; "
                                   f"give the corpus and -o too: hsw2v train CORPUS -o OUT "
                                   f"--config {config_file}")
        raise click.UsageError("missing argument CORPUS (or give --resume CHECKPOINT)")
    if resume is None and not output:
        raise click.UsageError("missing option -o/--output")
    train_to_file(corpus, output, config_file=config_file, format=fmt, resume=resume,
                  **options)


@main.command(epilog="""\b
Examples:
  hsw2v demo
  hsw2v demo --model cbow --seed 7 --threads 2
  hsw2v demo --corpus-out demo.txt -o demo.bin && hsw2v similar demo.bin w0_0
""")
@click.option("--model", type=click.Choice(["sg", "cbow"]), default="sg", show_default=True,
              help="Skip-gram or CBOW.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Seed of the generated corpus and of the trainer.")
@click.option("--threads", type=click.IntRange(min=1), help="Worker threads.  [default: all cores]")
@click.option("--dim", type=click.IntRange(min=1), default=32, show_default=True,
              help="Vector dimensionality.")
@click.option("--epochs", type=click.IntRange(min=1), default=5, show_default=True,
              help="Passes over the corpus.")
@click.option("--corpus-out", metavar="FILE", type=click.Path(dir_okay=False),
              help="Keep the generated corpus in FILE (default: a temporary file, deleted).")
@click.option("-o", "--output", metavar="OUT",
              help="Also save the trained vectors (.bin: binary, else text).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress bar, log lines or examples: only the figures and PASS/FAIL.")
def demo(model, seed, threads, dim, epochs, corpus_out, output, quiet):
    """Train on a generated corpus with planted structure and check that it is recovered.

    Needs no download: a corpus of 76,800 tokens is generated from --seed, in which
    words w{i}_{j} of an 8 x 8 grid share context words with their row and with their
    column. After training, the nearest neighbours of each word should share its row or
    column group, and the planted analogies w{i}_{j} - w{i}_{k} + w{l}_{k} = w{l}_{j}
    should be solved. Prints both figures and PASS or FAIL; exit status 0 on PASS, 1 on
    FAIL. Takes about a second on 2 cores, plus JIT compilation on a first run (which also
    compiles what a default `hsw2v train` runs, so that it starts at once).
    """
    from hsw2v.demo import format_report, run_demo

    _load_kernels()
    _check_not_inputs({"--corpus-out": corpus_out, "-o": output}, {})
    if output:
        _check_output_path(output)
    logger = logging.getLogger("hsw2v")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        result = run_demo(model=model, seed=seed, dim=dim, epochs=epochs, threads=threads,
                          quiet=quiet, corpus_out=corpus_out)
        # Compile (or load) what a default `hsw2v train FILE` runs, so that the user's first
        # training after the demo does not wait for it (~10 s on a first install).
        from hsw2v.train import warm_up_default  # noqa: PLC0415 (the lazy imports of the CLI)
        warm_up_default()
    finally:
        logger.setLevel(level)
    if output:
        result.vectors.save(output)
    for line in format_report(result, details=not quiet):
        click.echo(line)
    if output and not quiet:
        click.echo(f"vectors written to {output}")
    click.get_current_context().exit(0 if result.passed else 1)


@main.command(epilog="""\b
Example:
  hsw2v vocab text8.gz --min-count 5 -o vocab.txt
""")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", metavar="FILE", help="Write the vocabulary ('word count' lines).")
@click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True,
              help="Min-count of the written vocabulary and of the Huffman figures.")
@click.option("--max-sentence-length", type=click.IntRange(min=1), default=10000,
              show_default=True, help="Sentence piece length (as in train).")
@click.option("--prune-at", type=click.IntRange(min=2), default=5_000_000, show_default=True,
              help="Distinct tokens held while counting before rare ones are pruned.")
@click.option("--encoding", metavar="NAME", default="utf-8", show_default=True,
              help=_ENCODING_HELP)
@click.option("-q", "--quiet", is_flag=True,
              help="No progress and no 'wrote' line: only the figures (none with -o).")
def vocab(corpus, output, min_count, max_sentence_length, prune_at, encoding, quiet):
    """Count CORPUS: tokens, types, survivors per min-count, Huffman code lengths."""
    import numpy as np

    from hsw2v.config import check_encoding
    from hsw2v.corpus import CorpusStats, expand_paths, warn_invalid
    from hsw2v.huffman import build_huffman
    from hsw2v.vocab import (build_vocab, check_vocab_size, count_corpus, save_vocab,
                             survivors_by_min_count)

    _load_kernels()
    check_encoding(encoding)
    paths = expand_paths(corpus)
    if output:
        _check_not_inputs({"-o": output}, {"the corpus file": paths})
        _check_output_path(output)
    stats = CorpusStats()
    counter = count_corpus(paths, max_sentence_length, prune_at, stats, quiet=quiet,
                           encoding=encoding)
    counts = counter.counts
    kept = build_vocab(counter.words, counts, min_count)
    warn_invalid(stats, kept.words, encoding, f"vocabulary words (min-count {min_count})")
    check_vocab_size(kept, counts, min_count)
    lengths = build_huffman(kept.counts).lengths
    if output:
        save_vocab(output, kept)
    if output and quiet:
        return
    codec = "UTF-8" if check_encoding(encoding) == "utf-8" else encoding
    click.echo(f"tokens: {stats.tokens}   distinct: {len(counts)}   sentence pieces: "
               f"{stats.pieces}   invalid {codec} bytes: {stats.invalid_bytes}")
    levels = sorted({1, 2, 5, 10, 20, 50, 100, min_count})
    click.echo("min-count    words       tokens")
    for m, (n_words, n_tokens) in survivors_by_min_count(counts, levels).items():
        click.echo(f"{m:>9} {n_words:>9} {n_tokens:>12}")
    click.echo(f"Huffman (min-count {min_count}): mean code length "
               f"{np.average(lengths, weights=kept.counts):.2f} (per token), "
               f"{lengths.mean():.2f} (per word), max {lengths.max()}")
    if output and not quiet:
        click.echo(f"wrote {len(kept)} words to {output}")


@main.command(epilog="""\b
Examples:
  hsw2v phrases text8.gz -o text8-phrases.gz
  hsw2v phrases corpus.txt -o - | hsw2v train - -o vectors.bin
  hsw2v phrases corpus.txt -o p1.txt && hsw2v phrases p1.txt -o p2.txt   # trigrams
  hsw2v phrases corpus.txt -o out.txt --scoring npmi --threshold 0.6 --save-phrases ph.txt
""")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", metavar="OUT", required=True,
              help="Rewritten corpus (.gz compresses; - for standard output).")
@click.option("--min-count", type=int, default=5, show_default=True,
              help="word2vec scoring: subtracted from each pair's count; npmi: fewest "
                   "occurrences of a pair.")
@click.option("--threshold", type=float,
              help="Score a pair must exceed to be joined (higher: fewer phrases).  "
                   "[default: 100 for word2vec, 0.5 for npmi (range -1..1)]")
@click.option("--scoring", default="word2vec", show_default=True,
              help="word2vec ((n_ab - min_count) * N / (n_a * n_b), word2phrase's) or npmi.")
@click.option("--delimiter", default="_", show_default=True, help="Joins a phrase's words.")
@click.option("--prune-at", type=int, default=20_000_000, show_default=True, metavar="N",
              help="Distinct words plus pairs held while counting before rare ones are pruned.")
@click.option("--save-phrases", metavar="FILE",
              help="Also write 'phrase count score' lines, highest score first.")
@click.option("--encoding", metavar="NAME", default="utf-8", show_default=True,
              help=_ENCODING_HELP + " The output is UTF-8.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or log lines.")
def phrases(corpus, output, quiet, **options):
    """Join frequent word pairs of CORPUS into single tokens ("new york" -> new_york).

    Reads CORPUS (files, folders, - for stdin; .gz/.bz2/.xz read directly) twice: once to
    count words and adjacent pairs (a newline ends a sentence; pairs never span one), once
    to write it with each pair whose score passes --threshold joined by --delimiter, greedily
    from left to right. Output: one sentence per line, tokens separated by spaces. Run it
    again on its output for three-word phrases.
    """
    from hsw2v.phrases import phrases_to_file

    _load_kernels()

    logger = logging.getLogger("hsw2v")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        phrases_to_file(corpus, output, quiet=quiet, **options)
    finally:
        logger.setLevel(level)


# ---------------------------------------------------------------- queries, evaluation, conversion
# Thin commands: parse options, call hsw2v.vectors / hsw2v.evaluate, print with hsw2v.report.

_EXISTING_FILE = click.Path(exists=True, dir_okay=False)


def _vector_input_options(command):
    """Options shared by every command that reads a vectors file."""
    command = click.option(
        "--encoding-errors", type=click.Choice(_ENCODING_ERRORS), default="replace",
        show_default=True,
        help="How to decode word bytes that are not UTF-8 (surrogateescape keeps the bytes).",
    )(command)
    command = click.option("--limit", type=click.IntRange(min=1), metavar="N",
                           help="Read only the first N words.")(command)
    command = click.option(
        "--format", "fmt", type=click.Choice(["auto", "text", "binary"]), default="auto",
        show_default=True, help="Format of the vectors file; auto detects it from the content.",
    )(command)
    return command


def _load_vectors(path: str, fmt: str, limit: int | None, encoding_errors: str,
                  quiet: bool = False) -> _Vectors:
    """The vectors file ``path``; a large file's reading shows on stderr unless ``quiet``."""
    binary = {"auto": None, "text": False, "binary": True}[fmt]
    with _interrupt.phase(f"reading {path}"):
        return _Vectors.load(path, binary=binary, limit=limit, encoding_errors=encoding_errors,
                             quiet=quiet)


def _stdin_queries(prompt: str):
    """Yield the words of each non-empty stdin line until EOF; prompt only on a terminal."""
    stdin = sys.stdin  # click's test runner replaces it too
    interactive = stdin.isatty()
    while True:
        if interactive:
            click.echo(prompt, nl=False, err=True)
        line = stdin.readline()
        if not line:
            return
        if line.split():
            yield line.split()


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=_EXISTING_FILE)
@click.argument("words", nargs=-1)
@click.option("-k", "--topn", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of neighbours.")
@click.option("--negative", multiple=True, metavar="WORD",
              help="Subtract this word from every query (repeatable).")
@_vector_input_options
def similar(vectors_path, words, topn, negative, fmt, limit, encoding_errors):
    """Nearest words by cosine similarity: one table per WORD.

    With no WORD, read queries from standard input until EOF (like word2vec's
    distance): the words of a line are averaged into one query.  Unknown words
    are reported on stderr and skipped; with WORDs given the exit status is
    then 1.

    \b
    Examples:
      hsw2v similar vectors.bin king queen -k 5
      hsw2v similar vectors.bin king --negative man
      echo "paris berlin" | hsw2v similar vectors.bin
    """
    vectors = _load_vectors(vectors_path, fmt, limit, encoding_errors)
    negative = list(negative)
    minus = "".join(f" - {w}" for w in negative)  # the query as a heading: king - man
    if words:
        # (with subword vectors a word outside the vocabulary is looked up by its n-grams)
        known = [w for w in words if vectors.has_vector(w)]
        if negative or any(w not in vectors for w in known):
            tables = [vectors.most_similar([w], topn=topn, negative=negative) for w in known]
        else:
            tables = vectors.most_similar_many(known, topn=topn)
        results = dict(zip(known, tables))
        for w in words:
            if w in results:
                oov = "" if w in vectors else " (not in the vocabulary: from its n-grams)"
                click.echo(_report.format_table(f"nearest to {w}{minus}{oov}:", results[w])
                           + "\n")
            else:
                try:
                    vectors.get_index(w)
                except _UnknownWordError as exc:  # its message has the case hint
                    click.echo(f"hsw2v: {exc}", err=True)
        if len(known) < len(words):
            click.get_current_context().exit(1)
        return
    for line in _stdin_queries("words (EOF to quit)> "):
        try:
            result = vectors.most_similar(line, topn=topn, negative=negative)
        except _UnknownWordError as exc:
            click.echo(f"hsw2v: {exc}", err=True)
            continue
        click.echo(_report.format_table(f"nearest to {' + '.join(line)}{minus}:", result) + "\n")


@main.command("vectors", epilog="""\b
Examples:
  echo "king kingz" | hsw2v vectors sub.npz
  hsw2v vectors wiki.en.bin < words.txt > words.vec
""")
@click.argument("vectors_path", metavar="MODEL", type=_EXISTING_FILE)
@_vector_input_options
def word_vectors(vectors_path, fmt, limit, encoding_errors):
    """Print the vector of every word read from standard input, one per line: the word, then
    its numbers (as fastText's print-word-vectors).

    With subword vectors (a model trained with --subwords, or a fastText .bin) a word outside
    the vocabulary gets the mean of its character n-grams' rows; otherwise such a word gets
    zeros, and a warning on stderr.
    """
    vectors = _load_vectors(vectors_path, fmt, limit, encoding_errors)
    unknown = 0
    zeros = [0.0] * vectors.vector_size
    for line in sys.stdin:
        for w in line.split():
            if vectors.has_vector(w):
                values = vectors[w].tolist()
            else:
                values, unknown = zeros, unknown + 1
            click.echo(w + " " + " ".join(f"{x:.5g}" for x in values))
    if unknown:
        click.echo(f"hsw2v: {unknown} word(s) not in the vocabulary got zeros ("
                   f"{vectors_path} has no subword vectors: train with --subwords for them)",
                   err=True)


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=_EXISTING_FILE)
@click.argument("words", nargs=-1, metavar="[A B C]")
@click.option("-k", "--topn", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of answers.")
@_vector_input_options
def analogy(vectors_path, words, topn, fmt, limit, encoding_errors):
    """Answer "A is to B as C is to ?": words nearest to B - A + C.

    Unit vectors are combined (3CosAdd) and A, B, C are never answers.  With no
    words, read "A B C" lines from standard input until EOF.

    \b
    Examples:
      hsw2v analogy vectors.bin man king woman
      printf 'paris france berlin\\n' | hsw2v analogy vectors.bin
    """
    if words and len(words) != 3:
        raise click.UsageError(f"give three words A B C (or none to read them from stdin), "
                               f"got {len(words)}: {' '.join(words)}")
    vectors = _load_vectors(vectors_path, fmt, limit, encoding_errors)
    queries = [list(words)] if words else _stdin_queries("A B C (EOF to quit)> ")
    for line in queries:
        if len(line) != 3:
            click.echo(f"need three words A B C, got {len(line)}: {' '.join(line)}", err=True)
            continue
        a, b, c = line
        try:
            result = vectors.analogy(a, b, c, topn=topn)
        except _UnknownWordError as exc:
            if words:
                raise
            click.echo(f"hsw2v: {exc}", err=True)
            continue
        click.echo(_report.format_table(f"{a} is to {b} as {c} is to:", result) + "\n")


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=_EXISTING_FILE)
@click.option("--analogies", type=_EXISTING_FILE, metavar="FILE",
              help="Questions-words file (': section' lines, then 'a b c d' lines).")
@click.option("--pairs", type=_EXISTING_FILE, metavar="FILE",
              help="Word-pair file: 'w1<TAB>w2<TAB>score' lines, '#' comments.")
@click.option("--restrict", type=click.IntRange(min=1), default=30000, show_default=True,
              help="Analogies: only questions whose four words are among the first N words count.")
@click.option("--pairs-restrict", type=click.IntRange(min=1), default=300000, show_default=True,
              help="Pairs: words after the first N count as unknown (gensim's default).")
@click.option("--case-sensitive", is_flag=True, help="Compare words as written (default: ignore case).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@_vector_input_options
def evaluate(vectors_path, analogies, pairs, restrict, pairs_restrict, case_sensitive, as_json,
             fmt, limit, encoding_errors):
    """Analogy accuracy and word-pair correlation (same numbers as gensim).

    \b
    Examples:
      hsw2v evaluate vectors.bin --analogies questions-words.txt
      hsw2v evaluate vectors.bin --pairs wordsim353.tsv --json
    """
    if not analogies and not pairs:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE")
    vectors = _load_vectors(vectors_path, fmt, limit, encoding_errors)
    result = {}
    if analogies:
        report = vectors.evaluate_analogies(analogies, restrict=restrict,
                                            case_insensitive=not case_sensitive)
        result["analogy"] = report.to_dict()
        if not as_json:
            click.echo(_report.format_analogy_report(report))
    if pairs:
        pair_report = vectors.evaluate_pairs(pairs, restrict=pairs_restrict,
                                             case_insensitive=not case_sensitive)
        result["pairs"] = pair_report.to_dict()
        if not as_json:
            click.echo(_report.format_pairs_report(pair_report))
    if as_json:
        click.echo(_json.dumps(result))


@main.command()
@click.argument("src", metavar="IN", type=_EXISTING_FILE)
@click.argument("dst", metavar="OUT", type=click.Path(dir_okay=False))
@click.option("--to", type=click.Choice(["text", "binary", "fasttext"]),
              help="Output format [default: binary if OUT ends in .bin or .bin.gz, else text]; "
                   "fasttext: a fastText .bin model, from a model file (.npz or fastText .bin).")
@click.option("-q", "--quiet", is_flag=True,
              help="Nothing on success: no progress and no 'wrote' line.")
@_vector_input_options
def convert(src, dst, to, quiet, fmt, limit, encoding_errors):
    """Convert a vectors file between word2vec text and binary (.gz compresses), or a
    model to a fastText .bin (--to fasttext).

    OUT is replaced atomically and may not be IN (write a new file, then rename it);
    the text format keeps float32 values exactly. IN may be a model file (hsw2v's .npz or a
    fastText .bin): its word vectors are converted.

    \b
    Examples:
      hsw2v convert vectors.bin vectors.txt
      hsw2v convert wiki.en.vec wiki.en.bin --limit 100000
      hsw2v convert model.npz model.bin --to fasttext
    """
    _check_not_inputs({"OUT": dst}, {"IN": src})
    if to == "fasttext":
        _convert_to_fasttext(src, dst, fmt, limit, quiet)
        return
    vectors = _load_vectors(src, fmt, limit, encoding_errors, quiet)
    binary = None if to is None else to == "binary"
    with _interrupt.phase(f"writing {dst}", f"{dst} was not written (no partial file)"):
        vectors.save(dst, binary=binary)
    if quiet:
        return
    kind = to or ("binary" if _is_binary_name(dst) else "text")
    click.echo(f"wrote {len(vectors)} words x {vectors.vector_size} dimensions ({kind}) to {dst}")


def _convert_to_fasttext(src: str, dst: str, fmt: str, limit: int | None, quiet: bool) -> None:
    """``convert --to fasttext``: a model file (hsw2v's or fastText's) as a fastText .bin."""
    from hsw2v.errors import ConfigError
    from hsw2v.fasttextfile import is_fasttext_bin, read_any_model, write_fasttext_bin
    from hsw2v.modelfile import is_model_file

    if limit is not None or fmt != "auto":
        raise ConfigError("--to fasttext writes a whole model: drop --limit and --format")
    if not (is_model_file(src) or is_fasttext_bin(src)):
        raise ConfigError(f"--to fasttext needs a model and {src!r} is not one (a vectors file "
                          "holds neither n-grams nor output rows): give the file of hsw2v "
                          "train --save-model, or a fastText .bin")
    with _interrupt.phase(f"reading {src}"):
        model = read_any_model(src)
    with _interrupt.phase(f"writing {dst}", f"{dst} was not written (no partial file)"):
        write_fasttext_bin(dst, model)
    if quiet:
        return
    sw = model.weights.subwords
    grams = "no subwords" if sw is None else f"subwords {sw.minn}-{sw.maxn}, {sw.nbuckets} buckets"
    click.echo(f"wrote {len(model.words)} words x {model.weights.dim} dimensions (fastText .bin, "
               f"{grams}) to {dst}")


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=_EXISTING_FILE)
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many of the first (most frequent) words to list.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_vector_input_options
def info(vectors_path, top, as_json, fmt, limit, encoding_errors):
    """Summarise a vectors file (or a model file): words, dimensions, vector lengths, first
    words, how it was trained.

    \b
    Example:
      hsw2v info vectors.bin --top 20
      hsw2v info model.npz
    """
    from hsw2v.fasttextfile import is_fasttext_bin, read_any_model
    from hsw2v.modelfile import is_model_file

    fasttext = fmt == "auto" and is_fasttext_bin(vectors_path)
    if fmt == "auto" and (is_model_file(vectors_path) or fasttext):  # --save-model, fastText
        model = read_any_model(vectors_path)
        vectors = _Vectors.from_model(model, limit)
        kind, trained = "fastText model" if fasttext else "model", _trained_with(model.config)
    else:
        vectors = _load_vectors(vectors_path, fmt, limit, encoding_errors)
        binary = _detect_binary(vectors_path) if fmt == "auto" else fmt == "binary"
        kind, trained = "binary" if binary else "text", _run_summary(vectors_path)
    summary = _report.describe(vectors, top)
    summary = {"file": vectors_path, "format": kind,
               "bytes": _os.path.getsize(vectors_path), **summary}
    if trained:
        summary["trained_with"] = trained
    if as_json:
        click.echo(_json.dumps(summary))
        return
    norm = summary["norm"]
    click.echo(f"file        {vectors_path} ({summary['format']}, {summary['bytes']:,} bytes)")
    click.echo(f"words       {summary['words']:,}")
    click.echo(f"dimensions  {summary['dim']}")
    click.echo(f"norms       min {norm['min']:.4g}  mean {norm['mean']:.4g}  "
               f"median {norm['median']:.4g}  max {norm['max']:.4g}")
    click.echo(f"zero rows   {summary['zero_rows']}")
    if trained:
        click.echo("trained     " + "  ".join(f"{k} {v}" for k, v in trained.items()))
    if top:
        click.echo(f"first {len(summary['first_words'])} words: {' '.join(summary['first_words'])}")


def _run_summary(vectors_path: str) -> dict:
    """How the vectors were trained, from the OUT.json hsw2v wrote beside them ({} if none)."""
    try:
        with open(vectors_path + ".json", encoding="utf-8") as f:
            cfg = _json.load(f).get("config", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return _trained_with(cfg)


def _trained_with(cfg: dict) -> dict:
    """The training options ``info`` shows, from a run's configuration."""
    keys = ("model", "loss", "negative", "dim", "window", "epochs")
    return {k: cfg[k] for k in keys if cfg.get(k) is not None}


# ------------------------------------------------------------------------------------ pictures
# (issue 16) Thin commands over hsw2v.plot (matplotlib, imported only there).
@main.group(epilog="""\b
Examples:
  hsw2v plot loss sg.bin.json cbow.bin.json -o loss.png
  hsw2v plot words vectors.bin --top 200 -o map.png
  hsw2v plot words vectors.bin france king --neighbours 8 -o near.svg
  hsw2v plot analogy vectors.bin man woman king queen boy girl -o analogy.pdf
""")
def plot():
    """Pictures: loss curves of runs, maps of words, analogy arrows (.png, .svg or .pdf).

    Needs matplotlib: pip install 'hsw2v[plot]'.
    """


@plot.command("loss")
@click.argument("runs", nargs=-1, required=True, metavar="RUN.json...")
@click.option("-o", "--output", required=True, metavar="IMAGE",
              help="Picture to write (.png, .svg or .pdf).")
@click.option("--label", "labels", multiple=True, metavar="TEXT",
              help="Legend label of each run, in order (repeat once per run).  "
                   "[default: the settings that differ]")
def plot_loss(runs, output, labels):
    """Training loss against words read, one line per run, learning rate dashed.

    RUN.json is the summary 'hsw2v train -o OUT' writes as OUT.json; several runs are
    overlaid, labelled by the settings that differ between them.

    \b
    Example:
      hsw2v plot loss sg.bin.json cbow.bin.json -o loss.png
    """
    from hsw2v.plot import plot_loss as draw

    draw(runs, output, labels=labels or None)
    click.echo(f"wrote {output}")


@plot.command("words")
@click.argument("vectors_path", metavar="VECTORS", type=_EXISTING_FILE)
@click.argument("words", nargs=-1)
@click.option("-o", "--output", required=True, metavar="IMAGE",
              help="Picture to write (.png, .svg or .pdf).")
@click.option("--top", type=click.IntRange(min=1), default=100, show_default=True, metavar="N",
              help="Without WORDs: map the N most frequent words.")
@click.option("--neighbours", type=click.IntRange(min=0), default=0, show_default=True,
              metavar="K", help="Also show each word's K nearest words around it.")
@click.option("--method", type=click.Choice(["pca", "tsne", "umap"]), default="pca",
              show_default=True,
              help="Projection: pca (no extra), tsne (pip install 'hsw2v[tsne]') or umap "
                   "(pip install 'hsw2v[umap]').")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Seed of tsne and umap.")
@_vector_input_options
def plot_words(vectors_path, words, output, top, neighbours, method, seed, fmt, limit,
               encoding_errors):
    """A 2-D map of WORDs (default: the --top most frequent), projected from their vectors.

    Labels that would overlap are left out (their dots stay), most frequent or given
    words first, so a map of 200 words stays readable.

    \b
    Examples:
      hsw2v plot words vectors.bin --top 200 -o map.png
      hsw2v plot words vectors.bin france king computer --neighbours 8 -o near.png
    """
    from hsw2v.plot import check_method, check_output
    from hsw2v.plot import plot_words as draw

    check_output(output)  # before loading a large file
    check_method(method)
    vectors = _load_vectors(vectors_path, fmt, limit, encoding_errors)
    shown = draw(vectors, output, words, top=top, neighbours=neighbours, method=method, seed=seed)
    click.echo(f"wrote {output} ({len(shown.words)} words, {len(shown.labelled)} labelled)")


@plot.command("analogy")
@click.argument("vectors_path", metavar="VECTORS", type=_EXISTING_FILE)
@click.argument("words", nargs=-1, required=True, metavar="A B C D...")
@click.option("-o", "--output", required=True, metavar="IMAGE",
              help="Picture to write (.png, .svg or .pdf).")
@_vector_input_options
def plot_analogy(vectors_path, words, output, fmt, limit, encoding_errors):
    """Word pairs A→B, C→D, ... as arrows in the PCA plane of those words.

    Parallel arrows of similar length mean the pairs share one offset (man→woman as
    king→queen).

    \b
    Example:
      hsw2v plot analogy vectors.bin man woman king queen boy girl -o analogy.png
    """
    from hsw2v.plot import check_output
    from hsw2v.plot import plot_analogy as draw

    check_output(output)
    vectors = _load_vectors(vectors_path, fmt, limit, encoding_errors)
    draw(vectors, words, output)
    click.echo(f"wrote {output}")
