"""The backend registry: provers found by name through entry points.

Built-in backends and third-party plug-ins register the same way, in the
entry-point group ``linc.backends`` (``name = "package.module:Class"``).
Loading is lazy: listing names reads package metadata only; a backend's
module is imported the first time the backend is asked for. A plug-in that
fails to import is logged as a warning naming it and shows up as
unavailable; it never breaks the other backends.
"""

from __future__ import annotations

import difflib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import ClassVar, Protocol, runtime_checkable

from linc.errors import BackendUnavailable, UnknownBackend
from linc.ir import Formula
from linc.results import Limits, ProofResult

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "linc.backends"


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether a backend can run here. Truthy when it can.

    ``reason`` says why not, ``hint`` how to fix it, ``version`` which
    version of the prover would run (when known).
    """

    ok: bool
    reason: str = ""
    hint: str = ""
    version: str = ""

    def __bool__(self) -> bool:
        return self.ok


@runtime_checkable
class Backend(Protocol):
    """A prover that decides ``premises ⊢ goal`` over the IR."""

    name: ClassVar[str]

    def available(self) -> Availability:
        """Whether the prover can run here (cheap; may be cached)."""
        ...

    def entails(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> ProofResult:
        """Try to prove ``goal`` from ``premises`` within ``limits``."""
        ...


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """One registered backend as ``linc backends`` shows it."""

    name: str
    target: str
    availability: Availability


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found and found[ep.name].value != ep.value:
            log.warning(
                "backend %r is registered twice (%s and %s); using the first",
                ep.name,
                found[ep.name].value,
                ep.value,
            )
            continue
        found.setdefault(ep.name, ep)
    return found


_lock = threading.Lock()


@cache
def _load(name: str) -> Backend:
    ep = _entry_points()[name]
    try:
        factory = ep.load()
        backend = factory()
    except Exception as exc:  # a broken plug-in must not break linc
        log.warning("backend plug-in %r (%s) failed to load: %s", name, ep.value, exc)
        raise BackendUnavailable(
            name,
            f"plug-in {ep.value} failed to load: {type(exc).__name__}: {exc}",
            "reinstall the package that provides it",
        ) from exc
    if not callable(getattr(backend, "entails", None)) or not callable(
        getattr(backend, "available", None)
    ):
        log.warning(
            "backend plug-in %r (%s) does not implement the Backend protocol", name, ep.value
        )
        raise BackendUnavailable(name, f"{ep.value} does not implement entails() and available()")
    return backend


def backend_names() -> list[str]:
    """Names of every registered backend, sorted (nothing is imported)."""
    return sorted(_entry_points())


def get_backend(name: str) -> Backend:
    """The backend registered as ``name`` (one shared instance per name).

    Raises ``UnknownBackend`` (with the installed names and a did-you-mean)
    for a name nobody registered, and ``BackendUnavailable`` for a plug-in
    that fails to load. Whether the prover can actually run is
    ``get_backend(name).available()``.
    """
    names = _entry_points()
    if name not in names:
        close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.5)
        raise UnknownBackend(name, sorted(names), close[0] if close else None)
    with _lock:
        return _load(name)


def describe_backends() -> list[BackendInfo]:
    """Every registered backend with its availability; broken ones included."""
    out = []
    for name, ep in sorted(_entry_points().items()):
        try:
            availability = get_backend(name).available()
        except BackendUnavailable as exc:
            availability = Availability(False, reason=exc.reason, hint=exc.hint)
        except Exception as exc:  # noqa: BLE001 - available() itself must not crash the listing
            log.warning("backend %r: available() failed: %s", name, exc)
            availability = Availability(False, reason=f"available() failed: {exc}")
        out.append(BackendInfo(name, ep.value, availability))
    return out


def available_backends() -> list[str]:
    """Names of the registered backends that can run here."""
    return [info.name for info in describe_backends() if info.availability]


def refresh() -> None:
    """Forget discovered entry points and loaded backends (after installs)."""
    with _lock:
        _load.cache_clear()
        _entry_points.cache_clear()


__all__ = [
    "ENTRY_POINT_GROUP",
    "Availability",
    "Backend",
    "BackendInfo",
    "available_backends",
    "backend_names",
    "describe_backends",
    "get_backend",
    "refresh",
]
