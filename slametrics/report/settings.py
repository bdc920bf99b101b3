"""The report's branding and thresholds: a small YAML file (``config/report.yaml``), every key optional.

    provider: Northwind Service Desk   # named on the cover and in the header
    logo: config/logo.png              # PNG or SVG, relative to the file; none: the provider's name only
    accent: "#1565c0"                  # headings, the objective line, the cover band
    amber_margin: 0.02                 # met by less than this (2 points): amber, not green

A mistake names the file, the key and what is allowed; a missing file means the defaults.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from slametrics.errors import PolicyError

DEFAULT_SETTINGS = Path("config/report.yaml")
KEYS = ("provider", "logo", "accent", "amber_margin")


@dataclass(frozen=True)
class Settings:
    provider: str = "Service desk"
    logo: Path | None = None
    accent: str = "#1565c0"
    amber_margin: Decimal = Decimal("0.02")


def load_settings(path: str | Path | None) -> Settings:
    """The settings in ``path``; the defaults where it is None or does not exist."""
    if path is None or not Path(path).exists():
        return Settings()
    path = Path(path)
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{where}: not a readable YAML file: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{where}: expected a mapping of {', '.join(KEYS)}")
    problems = [f"{where}: {key}: unknown key; allowed: {', '.join(KEYS)}" for key in data if key not in KEYS]
    out = {}
    if "provider" in data:
        if not isinstance(data["provider"], str) or not data["provider"].strip() or len(data["provider"]) > 80:
            problems.append(f"{where}: provider: a name of 1 to 80 characters")
        else:
            out["provider"] = data["provider"].strip()
    if data.get("logo") is not None:
        logo = (path.parent / str(data["logo"])).resolve()
        if logo.suffix.lower() not in (".png", ".svg") or not logo.is_file():
            problems.append(f"{where}: logo: {data['logo']!r} is not a PNG or SVG file next to the settings")
        else:
            out["logo"] = logo
    if "accent" in data:
        if not isinstance(data["accent"], str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", data["accent"]):
            problems.append(f"{where}: accent: a colour written #RRGGBB, e.g. \"#1565c0\"")
        else:
            out["accent"] = data["accent"].lower()
    if "amber_margin" in data:
        try:
            margin = Decimal(str(data["amber_margin"]))
            if not 0 <= margin < 1:
                raise InvalidOperation
            out["amber_margin"] = margin
        except InvalidOperation:
            problems.append(f"{where}: amber_margin: a share from 0 to 1, e.g. 0.02 for 2 points")
    if problems:
        raise PolicyError(problems)
    return Settings(**out)
