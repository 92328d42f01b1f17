"""Writing a file so that it is never left half written: ``tg.checkpoint.save`` and PyTorch's
form of ``tg.save`` write into a temporary file beside the target, flush it to disk and then
rename it over the target in one step, so an interrupt or a crash in the middle leaves the old
file as it was (and no temporary file behind)."""
from __future__ import annotations

import os
import secrets
from typing import Callable

__all__ = ["write_atomically"]


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def _mode_for(path: str) -> int:
    """What a plain ``open(path, "wb")`` would leave: an existing file keeps its mode,
    a new one gets 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()


def write_atomically(path, write: Callable) -> str:
    """Call ``write(f)`` on a binary file that becomes ``path`` only once it is complete."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):  # (as np.savez and torch.save: a missing folder is an error,
        # never made on the way, where a typo in the path would scatter files)
        raise FileNotFoundError(f"cannot save {path!r}: the folder {folder!r} does not exist")
    # the temporary file's name is known before it exists, so it is removed on
    # every exit path, even an interrupt that lands just after it was created
    tmp = os.path.join(folder, f".tmp-{os.path.basename(path)}-{secrets.token_hex(6)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        os.chmod(tmp, _mode_for(path))  # a saved file gets the mode plain open() would give
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    return path
