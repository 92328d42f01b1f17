"""The command line's checks of its output paths, made before any work (a bad path must not
throw a finished run away): folders must be folders or creatable, files must not be folders
and their folder must exist and be writable; ``--plot`` must name an image type matplotlib
writes."""
from __future__ import annotations

import os
import tempfile

from .usercode import EXTRAS, UsageError, _have

__all__ = ["check_outputs", "writable"]


def writable(folder: str) -> bool:
    """True if a file can be made in ``folder`` (tried: permission bits say little to root)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".tensorgrad-check-", dir=folder))
        return True
    except OSError:
        return False


def check_outputs(args) -> None:
    """Refuse output paths that cannot be written, naming the option: folders (``--out``) must
    be folders or creatable; files (``--checkpoint``, ``--history``, ``--plot``) must not be
    folders and their folder must exist and be writable."""
    folder = getattr(args, "out", None)
    if folder:
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise UsageError(f"--out {folder}: exists and is not a folder")
        base = os.path.abspath(folder)  # (made only when something is written: its nearest
        while not os.path.exists(base):  # existing folder must take it)
            base = os.path.dirname(base)
        if not os.path.isdir(base) or not writable(base):
            raise UsageError(f"--out {folder}: cannot create or write it ({base} is not a "
                             "writable folder)")
    given: dict = {}
    for option in ("checkpoint", "history", "plot"):
        path = getattr(args, option, None)
        if path is not None and not str(path).strip() or path and os.path.abspath(path) in given:
            raise UsageError(f"--{option} {path!r}: " + (f"the same file as --{given[os.path.abspath(path)]}"
                             if str(path).strip() else "give a file name"))
        if path:
            given[os.path.abspath(path)] = option
        if path and option == "checkpoint" and getattr(args, "resume", False):
            if os.path.isfile(path):
                continue
            raise UsageError(f"--checkpoint {path}: no such file to --resume from")
        if not path:
            continue
        if option == "plot":
            _check_plot(path)
        parent = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise UsageError(f"--{option} {path}: is a folder; give a file name")
        if not os.path.isdir(parent):
            raise UsageError(f"--{option} {path}: the folder {parent} does not exist")
        if not writable(parent):
            raise UsageError(f"--{option} {path}: the folder {parent} is not writable")


_IMAGE_TYPES = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp",
                "pgf", "raw", "rgba")


def _check_plot(path: str) -> None:
    """``--plot`` before any work: an image type matplotlib writes, and matplotlib itself."""
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if ext and ext not in _IMAGE_TYPES:
        raise UsageError(f"--plot {path}: .{ext} is not an image type matplotlib writes "
                         f"({', '.join(_IMAGE_TYPES[:6])}, ...)")
    if not _have("matplotlib"):
        raise UsageError(f"--plot needs matplotlib, which is not installed ({EXTRAS})")
