"""Formatting for the screen: the shared words of ``slametrics.words`` (percent, money, durations,
months and quarters, statuses), and what only a screen needs: text made safe inside Markdown."""
from __future__ import annotations

from slametrics.words import *  # noqa: F401,F403  (the pages write fmt.percent, fmt.money, ...)

_MARKDOWN = set("\\`*_{}[]()#+-.!|<>~$:=\"'&")


def text(value: object) -> str:
    """A value from the data or a policy, safe inside Markdown: every character Markdown, Streamlit's
    directives (``:material/x:``, ``$math$``) or HTML could act on is escaped, so ``![x](http://h/p.png)``
    shows as those characters and fetches nothing.

    >>> text("![x](http://h/p.png)")
    '\\\\!\\\\[x\\\\]\\\\(http\\\\://h/p\\\\.png\\\\)'
    """
    return "".join(f"\\{c}" if c in _MARKDOWN else c for c in str(value)).replace("\n", " ")
