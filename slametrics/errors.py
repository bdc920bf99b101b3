"""The one error family of the engine.

``SlaError`` is what the command line turns into a one-line message and the dashboard into
``st.error``; anything else is a bug and is allowed to raise.

- ``PolicyError``: the policy file is broken; ``problems`` lists every mistake found.
- ``AccessError``: a read outside the reader's scope (slametrics.scope), a broken access file, a
  refused sign-in.
- ``DataError``: an input file or a value given on the command line cannot be used as a whole
  (a missing required column, an unknown time zone, an unreadable file). Bad *rows* are not
  errors: they are rejected, kept with a reason, and counted.
"""
from __future__ import annotations


class SlaError(Exception):
    """Base class: a mistake in what the user gave us, with a message that says how to fix it."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class PolicyError(SlaError):
    """The policy file is broken; nothing is computed from it."""


class DataError(SlaError):
    """An input cannot be used as a whole (file, column, time zone, option value)."""


class AccessError(SlaError):
    """A reader asked for something outside its scope, or the access file is broken."""
