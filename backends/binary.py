"""Shared discovery of a prover executable: located once, re-checked when its override changes."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import ClassVar

from linc.errors import BackendUnavailable
from linc.registry import Availability


class BinaryBackend:
    """Base of backends that run an external executable.

    A subclass names its override variable (``env_var``) and implements
    ``_locate(env)``; the result is cached until the variable changes.
    """

    name: ClassVar[str]
    env_var: ClassVar[str]

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: tuple[str | None, Availability, Path | None] | None = None

    def available(self) -> Availability:
        return self._discover()[0]

    def binary(self) -> Path:
        """The executable; raises ``BackendUnavailable`` with an install hint."""
        availability, path = self._discover()
        if path is None:
            raise BackendUnavailable(self.name, availability.reason, availability.hint)
        return path

    def _discover(self) -> tuple[Availability, Path | None]:
        env = os.environ.get(self.env_var)
        with self._lock:
            if self._found is None or self._found[0] != env:
                self._found = (env, *self._locate(env))
            return self._found[1], self._found[2]

    def _locate(self, env: str | None) -> tuple[Availability, Path | None]:
        raise NotImplementedError
