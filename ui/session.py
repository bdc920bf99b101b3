"""Who this browser session is, and so what it may read: its ``Scope``.

Every read in ``ui.data`` takes ``scope()``; pages never choose it.
"""
from __future__ import annotations

from slametrics.scope import EVERYTHING, Scope


def scope() -> Scope:
    """The scope of this session's reads."""
    return EVERYTHING
