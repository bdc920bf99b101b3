"""Policy text from an upload (the What-if page's scenario file) is bounded before it is built, and
no message quotes more than a line of it."""
from __future__ import annotations

import time

import pytest

from slametrics.errors import PolicyError
from slametrics.policy import MAX_ALIASES, parse_policy
from slametrics.policy.check import SHOWN
from tests.dashboard.fixture import POLICY


def alias_bomb(levels: int) -> str:
    """Each level ten references to the one before: ~50 bytes a level, 10**levels values when expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\ncontracts:\n  acme:\n    name: *a{levels}\n"


def test_an_alias_bomb_is_refused_before_it_is_built():
    started = time.monotonic()
    with pytest.raises(PolicyError) as caught:
        parse_policy(alias_bomb(30), "bomb.yaml")
    assert time.monotonic() - started < 5
    assert caught.value.problems == [f"bomb.yaml: 301 YAML aliases (*name): a policy file may use at most {MAX_ALIASES}"]


def test_a_value_built_from_aliases_is_quoted_in_a_line_not_in_megabytes():
    started = time.monotonic()
    with pytest.raises(PolicyError) as caught:
        parse_policy(alias_bomb(8), "small-bomb.yaml")  # 81 aliases: allowed, and 10**8 values when printed
    assert time.monotonic() - started < 5
    assert caught.value.problems
    assert all(len(p) < 2 * SHOWN + 200 for p in caught.value.problems), max(map(len, caught.value.problems))
    assert any("[[[[...], [...]," in p for p in caught.value.problems)  # quoted three levels deep


def test_a_huge_policy_is_refused_by_its_size():
    with pytest.raises(PolicyError, match="characters: a policy file is at most 1,000,000"):
        parse_policy(POLICY + "#" * 1_000_001, "huge.yaml")


def test_a_key_written_twice_is_named_instead_of_silently_keeping_the_last():
    text = POLICY.replace("    name: Acme Corp\n", "    name: Acme Corp\n    name: Acme Corporation\n", 1)
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "twice.yaml")
    [problem] = caught.value.problems
    line = text.splitlines().index("    name: Acme Corp") + 1
    assert problem.startswith(f"twice.yaml: line {line + 1}, column 5: not valid YAML: key 'name' appears twice "
                              f"(first on line {line}); keep one")


def test_a_file_that_is_not_utf8_or_nested_thousands_deep_is_a_message(tmp_path):
    from slametrics.policy import load_policy

    latin = tmp_path / "latin.yaml"
    latin.write_bytes(POLICY.replace("Acme Corp", "Acmé Corp").encode("latin-1"))
    with pytest.raises(PolicyError, match=r"latin.yaml: byte \d+ is not UTF-8 text: save the policy as UTF-8"):
        load_policy(latin)
    with pytest.raises(PolicyError, match="nested too deeply"):
        parse_policy("contracts: " + "[" * 20_000 + "]" * 20_000, "deep.yaml")
