"""Progress bars with an ETA for long commands, shown only on a terminal (CI logs stay quiet)."""

import sys

from tqdm import tqdm


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress(iterable=None, *, total=None, desc: str = "", unit: str = "项", stream=None):
    """A tqdm bar on `stream` (default stderr), disabled unless `stream` is a terminal.

    Management commands pass `self.stderr._out` or leave it to stderr; tests and CI pipe
    the output, so nothing is drawn there."""
    stream = stream if stream is not None else sys.stderr
    stream = getattr(stream, "_out", stream)  # Django's OutputWrapper
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=stream,
        disable=not _is_terminal(stream),
        dynamic_ncols=True,
        mininterval=0.5,
    )
