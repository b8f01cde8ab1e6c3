"""Command-line interface: thin click commands, one public function each.

Every command turns :class:`hsw2v.errors.Hsw2vError` into one line on stderr and exit status 2
(see :class:`_Group`); the work itself lives in the library modules.
"""
from __future__ import annotations

import logging
import sys

import click

from hsw2v.errors import Hsw2vError


class _Group(click.Group):
    """Click group that reports user errors as one line and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Hsw2vError as exc:
            click.echo(f"hsw2v: error: {exc}", err=True)
            ctx.exit(2)
        except OSError as exc:  # e.g. disk full, permission denied while writing
            if exc.filename is not None:
                msg = f"{exc.strerror or exc}: {exc.filename}"
            else:
                msg = str(exc)
            click.echo(f"hsw2v: error: {msg}", err=True)
            ctx.exit(2)


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
