"""Download a catalogue file into the user cache, verified against its sha256.

Files are kept at ``<cache>/datasets/<repository>/<commit>/<path>`` (the
cache is ``$LINC_CACHE_DIR``, else the user cache directory). A cached file
is used only while its bytes still have the catalogue's sha256; it is then
read without any request. Downloads go through ``pooch``, which writes to a
temporary file beside the target and moves it into place only once its
sha256 matches: a wrong, partial or interrupted download is never cached.

``$LINC_DATA_MIRROR`` replaces ``https://raw.githubusercontent.com``: the
file is fetched from ``$LINC_DATA_MIRROR/<repository>/<commit>/<path>``. A
mirror that is a local folder (a path, or a ``file://`` URL) is copied from,
with the same check.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from linc.cache import cache_dir, file_digest
from linc.errors import DataError
from linc.evals.catalogue import GITHUB_RAW, DataFile

log = logging.getLogger(__name__)

MIRROR_ENV = "LINC_DATA_MIRROR"
TIMEOUT = 60.0
"""Seconds a download may wait for the server (connect, and between reads)."""


def data_dir() -> Path:
    """Where downloaded datasets are kept."""
    return cache_dir() / "datasets"


def cache_path(file: DataFile) -> Path:
    """The file's place in the cache (whether or not it is there)."""
    return data_dir() / file.canonical


def source_url(file: DataFile) -> str:
    """Where the file is fetched from: upstream, or ``$LINC_DATA_MIRROR``."""
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    base = mirror.rstrip("/") if mirror else GITHUB_RAW
    return f"{base}/{file.canonical}"


def is_cached(file: DataFile) -> bool:
    """The file is in the cache with the catalogue's bytes."""
    path = cache_path(file)
    return path.is_file() and path.stat().st_size == file.size and file_digest(path) == file.sha256


def fetch(file: DataFile, *, timeout: float = TIMEOUT) -> Path:
    """The cached file, downloaded and verified first when it is not there yet.

    Raises ``DataError`` naming the URL, the cache path and ``--path`` when
    the file cannot be had, or the bytes served are not the catalogue's.
    """
    path = cache_path(file)
    if is_cached(file):
        log.debug("%s: cached", path)
        return path
    url = source_url(file)
    local = _local_mirror(url)
    log.info("downloading %s into %s", url, path)
    try:
        if local is not None:
            _copy_verified(local, path, file.sha256)
        else:
            _download(url, path, file.sha256, timeout)
    except DataError:
        raise
    except ValueError as exc:  # pooch: the sha256 of the download does not match
        raise _mismatch(url, path, str(exc)) from None
    except OSError as exc:  # requests' errors are OSErrors too (a refused or lost connection)
        why = f"{type(exc).__name__}: {_first_line(exc)}"
        raise DataError(
            f"cannot download {url} into {path} ({why}); nothing was cached. Check the "
            f"network or ${MIRROR_ENV}, or download the file yourself and give it with --path FILE"
        ) from None
    return path


def _download(url: str, path: Path, sha256: str, timeout: float) -> None:
    import pooch

    pooch.get_logger().setLevel(logging.WARNING)  # we log the download ourselves
    path.parent.mkdir(parents=True, exist_ok=True)
    pooch.retrieve(
        url,
        known_hash=f"sha256:{sha256}",
        fname=path.name,
        path=path.parent,
        downloader=pooch.HTTPDownloader(progressbar=False, timeout=timeout),
    )


def _local_mirror(url: str) -> Path | None:
    """The local file a mirror that is a folder (no scheme, or ``file://``) points at."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "":
        return Path(url)
    return None


def _copy_verified(source: Path, path: Path, sha256: str) -> None:
    """Copy ``source`` to ``path`` through a temporary file, kept only if its sha256 matches."""
    if not source.is_file():
        raise FileNotFoundError(2, "no such file", str(source))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    os.close(handle)
    try:
        shutil.copyfile(source, tmp)
        got = file_digest(Path(tmp))
        if got != sha256:
            raise _mismatch(str(source), path, f"its sha256 is {got}, expected {sha256}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _mismatch(url: str, path: Path, why: str) -> DataError:
    return DataError(
        f"{url}: the bytes served are not the catalogue's ({_first_line(why)}); nothing was "
        f"cached at {path}. The mirror or the transfer is at fault; give a good copy with --path"
    )


def _first_line(exc: object) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""
