"""Reading policy files (docs/semantics.md §2): a safe YAML loader that keeps every number as the
decimal written, so ``objective: 0.95`` is exactly 95/100, and refuses duplicated keys, oversized text
and alias bombs before anything is built. Validation (``check``) collects every mistake and raises one
``PolicyError`` naming file, key path, value and what is allowed; nothing is computed from a broken
policy."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from slametrics.errors import PolicyError
from slametrics.policy.model import Policy

class _DecimalLoader(yaml.SafeLoader):
    """Safe loader that reads floats as the exact decimal written."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except ArithmeticError:
        return text  # .inf/.nan: reported by validation as not a share


class _WrittenInt(int):
    """An int that prints as it was written: priority keys and client names are text (``01`` is "01")."""

    text: str

    def __new__(cls, value: int, text: str) -> "_WrittenInt":
        obj = super().__new__(cls, value)
        obj.text = text
        return obj

    def __str__(self) -> str:
        return self.text


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return _WrittenInt(yaml.SafeLoader.construct_yaml_int(loader, node), node.value)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)  # an impossible date: validation names it


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """Mapping keys that YAML would read as numbers stay the text written (``01: 1h`` and ``1: 2h`` differ)."""
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        seen: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
                key_node.tag = "tag:yaml.org,2002:str"
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:  # YAML would silently keep the last: say so instead
                    first = seen[key_node.value].start_mark.line + 1
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key_node.value!r} appears twice (first on line {first}); keep one",
                        key_node.start_mark)
                seen[key_node.value] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_DecimalLoader.construct_mapping = _construct_mapping  # type: ignore[method-assign]
_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_DecimalLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; raise ``PolicyError`` listing every mistake."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file; pass --policy PATH or create it") from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: byte {exc.start + 1} is not UTF-8 text: save the policy as UTF-8") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror})") from None
    return parse_policy(text, source=str(path))


MAX_POLICY_CHARS = 1_000_000  # a policy of a hundred contracts is under 100 kB
MAX_ALIASES = 200  # YAML aliases (*name): a few are handy, thousands are a bomb


def read_yaml(text: str, source: str, kind: str = "configuration file") -> Any:
    """YAML text as the policy reads it (shares as exact decimals, keys as written, a key twice refused),
    for the project's other configuration files too. Text beyond ``MAX_POLICY_CHARS`` or with more than
    ``MAX_ALIASES`` aliases is refused before it is built; raises ``PolicyError`` naming the line."""
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyError(f"{source}: {len(text):,} characters: a {kind} is at most {MAX_POLICY_CHARS:,}")
    try:
        aliases = sum(isinstance(token, yaml.AliasToken) for token in yaml.scan(text))
    except yaml.YAMLError:
        aliases = 0  # reported below, with its line
    if aliases > MAX_ALIASES:
        raise PolicyError(f"{source}: {aliases:,} YAML aliases (*name): a {kind} may use at most {MAX_ALIASES}")
    try:
        return yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{source}:{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise PolicyError(f"{source}: nested too deeply to be a {kind} (lists or mappings within each other "
                          "thousands of times)") from None


def parse_policy(text: str, source: str = "policy") -> Policy:
    """Validate policy YAML text; ``source`` names it in messages (``read_yaml`` reads it)."""
    data = read_yaml(text, source, "policy file")
    from slametrics.policy.check import Validator

    try:
        return Validator(source).policy(data)
    except RecursionError:
        raise PolicyError(f"{source}: nested too deeply to be a policy") from None
