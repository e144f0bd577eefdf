"""Atomic files and directories: the one place where the project writes to disk.

Every file is written to a temporary name in its own directory, flushed to disk (``fsync``) and
renamed over its final name (``os.replace``), so a reader sees the old file or the new one, never
half of one, even after Ctrl-C, ``kill -9`` or a full disk. A directory of results is built under
a temporary name beside its final place and renamed into place whole.

Files get the permissions an ordinary ``open()`` would give them, ``0o666 & ~umask``, and
directories ``0o777 & ~umask`` (``tempfile`` makes ``0o600``/``0o700``, which would make results
on a shared filesystem unreadable by colleagues).

Nothing here deletes a file the project did not write: :func:`atomic_dir` refuses an existing
directory that is not empty unless the caller proves it wrote it (``replace_if``), and then removes
only the files it names.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sim.paths import PathError

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """Return the process's umask (read from ``/proc`` where possible, else set and restored)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        old = os.umask(0o022)
        os.umask(old)
    return old


def file_mode() -> int:
    """Permissions of a new file: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """Permissions of a new directory: ``0o777 & ~umask``."""
    return 0o777 & ~current_umask()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def ensure_dir(path: str | os.PathLike, what: str = "output directory") -> Path:
    """Create directory ``path`` (and its parents) and check that files can be written in it.

    Raises
    ------
    PathError
        One line naming the directory, why it cannot be used, and what would do.
    """
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise PathError(what, "path", str(p), "a directory (this is an existing file)") from None
    except OSError as e:
        raise PathError(what, "path", str(p), f"a directory that can be created ({e.strerror})") from None
    if not p.is_dir():
        raise PathError(what, "path", str(p), "a directory (this is an existing file)")
    check_writable(p, what)
    return p


def check_writable(path: str | os.PathLike, what: str = "output directory") -> None:
    """Create and remove a temporary file in directory ``path``, or raise :class:`PathError`."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".write-test.", dir=path)
    except OSError as e:
        raise PathError(what, "path", str(path), f"a directory you can write to ({e.strerror})") from None
    os.close(fd)
    os.unlink(tmp)


def check_creatable(path: str | os.PathLike, what: str = "output directory") -> None:
    """Check, without creating anything, that directory ``path`` exists and is writable or can be
    created (its nearest existing ancestor is a writable directory)."""
    p = Path(os.path.abspath(path))
    if p.exists():
        if not p.is_dir():
            raise PathError(what, "path", str(path), "a directory (this is an existing file)")
        if not os.access(p, os.W_OK | os.X_OK):
            raise PathError(what, "path", str(path), "a directory you can write to (permission denied)")
        return
    parent = p.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise PathError(what, "path", str(path), f"a path whose parent {parent} is a directory, not a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PathError(what, "path", str(path), f"a directory you can create ({parent} is not writable)")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is fsynced and renamed to ``path``.

    The parent directory is created if needed. On any exception (KeyboardInterrupt included)
    the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        parent.mkdir(parents=True, exist_ok=True, mode=0o777)  # mkdir applies the umask itself
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fchmod(f.fileno(), file_mode())
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(parent)


def write_with(path: str | os.PathLike, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp_path)`` and rename the result to ``path`` atomically."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write bytes atomically."""
    return write_with(path, lambda p: p.write_bytes(data))


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_with(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(obj: Any, path: str | os.PathLike) -> Path:
    """Write JSON atomically (``default=str`` for dates and paths)."""
    return write_text(path, json.dumps(obj, indent=2, default=str))


def write_parquet(df: Any, path: str | os.PathLike) -> Path:
    """Write a DataFrame as Parquet atomically (without its index)."""
    return write_with(path, lambda p: df.to_parquet(p, index=False))


def write_csv(df: Any, path: str | os.PathLike) -> Path:
    """Write a DataFrame as CSV atomically (without its index)."""
    return write_with(path, lambda p: df.to_csv(p, index=False))


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 110) -> Path:
    """Save a matplotlib figure atomically (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    try:
        write_with(path, lambda p: fig.savefig(p, dpi=dpi, format=fmt))
    finally:
        plt.close(fig)
    return path


def is_empty_dir(path: Path) -> bool:
    """Whether ``path`` is a directory with nothing in it."""
    return path.is_dir() and next(path.iterdir(), None) is None


def check_new_dir(
    path: str | os.PathLike,
    *,
    replace_if: Callable[[Path], Iterable[str] | None] | None = None,
    what: str = "output directory",
) -> list[str] | None:
    """Check, before any work, that :func:`atomic_dir` may write ``path``: it does not exist, or
    is empty, or ``replace_if`` recognises it as an earlier result (whose files are returned),
    and its parent can be written. Raises :class:`PathError` otherwise; creates nothing."""
    path = Path(os.path.abspath(path))
    if Path.cwd().is_relative_to(path):
        raise PathError(what, "path", str(path), "a new directory (not the working directory or above it)")
    old_files: list[str] | None = None
    if path.exists() or path.is_symlink():
        if path.is_symlink() or not path.is_dir():
            raise PathError(what, "path", str(path), "a new or empty directory (this is a file or a link)")
        if not is_empty_dir(path):
            names = replace_if(path) if replace_if is not None else None
            if names is None:
                raise PathError(
                    what,
                    "path",
                    str(path),
                    "a new or empty directory (this one holds files the project did not write; "
                    "nothing was changed)",
                )
            old_files = list(names)
    check_creatable(path.parent, what)
    return old_files


@contextlib.contextmanager
def atomic_dir(
    path: str | os.PathLike,
    *,
    replace_if: Callable[[Path], Iterable[str] | None] | None = None,
    what: str = "output directory",
) -> Iterator[Path]:
    """Yield a fresh temporary directory; on success it is renamed to ``path`` whole.

    ``path`` must not exist, or be an empty directory, or be a directory for which
    ``replace_if(path)`` returns the names of the files it holds that the project wrote (and
    nothing else): that earlier result is then swapped out and only those files are removed.
    Anything else is refused with :class:`PathError`; nothing is deleted.
    """
    path = Path(os.path.abspath(path))
    old_files = check_new_dir(path, replace_if=replace_if, what=what)
    parent = path.parent
    ensure_dir(parent, what)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        os.chmod(tmp, dir_mode())
        yield tmp
        for f in tmp.iterdir():
            if f.is_file():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
        _fsync_dir(tmp)
        if old_files is None:
            os.replace(tmp, path)  # onto nothing or onto an empty directory
        else:
            trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=parent))
            os.rmdir(trash)
            os.rename(path, trash)
            os.replace(tmp, path)
            for name in old_files:  # only the files the caller named; then empty folders
                (trash / name).unlink(missing_ok=True)
                for d in (trash / name).parents:
                    if d == trash.parent:
                        break
                    with contextlib.suppress(OSError):
                        d.rmdir()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(parent)


def read_parquet(path: str | os.PathLike, what: str = "a Parquet file written by conflict-sim") -> Any:
    """Read a Parquet file (or a folder of them); a missing, truncated or corrupt file raises a
    one-line :class:`PathError` instead of pyarrow's traceback."""
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise PathError(str(p.parent), "file", p.name, f"{what} (it is missing)")
    try:
        return pd.read_parquet(p)
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError, ... for a damaged file
        msg = " ".join(str(e).split())[:160]
        raise PathError(str(p), "file", "<unreadable>", f"{what} ({type(e).__name__}: {msg})") from None
