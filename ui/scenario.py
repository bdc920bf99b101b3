"""The what-if page's controls: one widget per target, objective, tier, cap and minimum volume.

Widget values live in ``st.session_state`` under ``wi.<contract>.…`` keys (kept across page switches),
start from the active policy, and can be replaced wholesale from a scenario file. ``scenario()`` turns
them into a ``Policy`` with ``slametrics.whatif.amend``; shares are exact decimals of what is on screen
(92.5 % -> 0.925), targets are typed as durations ('1h 30m', '45m') in whole minutes. A target that is
no duration is shown as an error under its box and keeps today's target until it is corrected.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import streamlit as st

from slametrics.errors import PolicyError
from slametrics.policy import BonusTier, Contract, Policy, Tier, parse_policy
from slametrics.whatif import amend
from slametrics import describe
from slametrics.describe import bonus_words, tier_words
from ui import format as fmt

MAX_TIERS = 3  # tier rows a level shows at least (more where its terms have more)
MIN_BONUS_ROWS = 2  # bonus rows likewise, so a bonus can be tried on a level that has none
MAX_TARGET_HOURS = 2000


def _key(contract: str, *parts: object) -> str:
    return ".".join(["wi", contract, *map(str, parts)])


def _percent(share: Decimal) -> float:
    return float(share * 100)


def _share(percent: float) -> Decimal:
    return (Decimal(str(round(percent, 4))) / 100).normalize()


def _target(key: str, name: str, priority: str, today: int) -> tuple[int, str | None]:
    """The target typed for one priority, in seconds, and what is wrong with the text (then today's target)."""
    text = st.session_state.get(_key(key, name, "target", priority), fmt.duration(today))
    try:
        seconds = fmt.parse_duration(text)
    except ValueError as exc:
        return today, f"{exc}. Today's {fmt.duration(today)} is used meanwhile."
    if seconds > MAX_TARGET_HOURS * 3600:
        return today, f"{fmt.duration(seconds)} is more than {MAX_TARGET_HOURS}h. Today's {fmt.duration(today)} is used meanwhile."
    return seconds, None


def _rows(key: str, name: str, kind: str, field: str) -> int:
    """How many rows of ``kind`` ('tier', 'bonus') a level's controls hold."""
    rows = 0
    while _key(key, name, kind, rows, field) in st.session_state:
        rows += 1
    return rows


def tier_rows(key: str, name: str) -> int:
    """How many tier rows a level's controls hold (every tier of its terms, at least ``MAX_TIERS``)."""
    return _rows(key, name, "tier", "credit")


def _pairs(key: str, name: str, kind: str, first: str, second: str, make) -> tuple:
    """The rows of ``kind`` ('tier', 'bonus') a level's controls hold whose ``second`` share is above 0, as
    ``make(first, second)`` (a row of 0% is not used)."""
    state = st.session_state
    return tuple(make(_share(state[_key(key, name, kind, i, first)]), _share(state[_key(key, name, kind, i, second)]))
                 for i in range(_rows(key, name, kind, second)) if state[_key(key, name, kind, i, second)] > 0)


def _pair_inputs(key: str, name: str, kind: str, title: str, fields: tuple[tuple[str, str], tuple[str, str]]) -> None:
    """Two share inputs per row of ``kind``: ``fields`` are (key part, label) of each."""
    for i in range(_rows(key, name, kind, fields[1][0])):
        for column, (field, label) in zip(st.columns(2), fields):
            column.number_input(f"{title} {i + 1}: {label} (%)", 0.0, 100.0, step=0.5, format="%.1f",
                                key=_key(key, name, kind, i, field), persist_state="session")


def _tiers(key: str, name: str) -> tuple[Tier, ...]:
    return _pairs(key, name, "tier", "below", "credit", Tier)


def tier_warnings(tiers: tuple[Tier, ...]) -> list[str]:
    """Where a milder tier (a higher ``below``) pays more than a stricter one: the stricter one then never
    changes what is owed, since the largest tier that applies is paid (docs/semantics.md §5)."""
    out = []
    ordered = sorted(tiers, key=lambda t: t.below, reverse=True)
    for i, mild in enumerate(ordered):
        for strict in ordered[i + 1:]:
            if mild.credit > strict.credit and mild.below > strict.below:
                out.append(f"The tier below {fmt.percent(float(mild.below))} pays {fmt.percent(float(mild.credit))}, "
                           f"more than the one below {fmt.percent(float(strict.below))} "
                           f"({fmt.percent(float(strict.credit))}): worse compliance would not cost more, and "
                           f"the tier below {fmt.percent(float(strict.below))} never applies.")
    return out


def defaults(key: str, terms: Contract, rows: dict[str, int] | None = None) -> dict[str, object]:
    """Widget values that reproduce ``terms`` (a contract of the active policy or of a loaded scenario):
    every tier of each level, in at least ``MAX_TIERS`` rows (``rows``: at least that many per level)."""
    out: dict[str, object] = {_key(key, "cap"): _percent(terms.credit_cap), _key(key, "min"): int(terms.min_tickets)}
    for name, level in terms.service_levels.items():
        out[_key(key, name, "objective")] = _percent(level.objective)
        for priority, seconds in level.targets.items():
            out[_key(key, name, "target", priority)] = fmt.duration(seconds)
        if level.satisfied_at_least is not None:  # a satisfaction level's bar (docs/semantics.md §9)
            out[_key(key, name, "satisfied")] = float(level.satisfied_at_least)
        for i in range(max(MAX_TIERS, len(level.credits), (rows or {}).get(name, 0))):
            tier = level.credits[i] if i < len(level.credits) else None
            out[_key(key, name, "tier", i, "below")] = _percent(tier.below) if tier else 0.0
            out[_key(key, name, "tier", i, "credit")] = _percent(tier.credit) if tier else 0.0
        # the ways docs/semantics.md §8 adds, on every level: 0 where it has none (and then none is set)
        out[_key(key, name, "per_breach")] = float(level.per_breach or 0)
        for i in range(max(MIN_BONUS_ROWS, len(level.bonus), (rows or {}).get(f"{name}.bonus", 0))):
            tier = level.bonus[i] if i < len(level.bonus) else None
            out[_key(key, name, "bonus", i, "at_least")] = _percent(tier.at_least) if tier else 100.0
            out[_key(key, name, "bonus", i, "bonus")] = _percent(tier.bonus) if tier else 0.0
    out[_key(key, "bonus_cap")] = _percent(terms.bonus_cap)
    return out


def _bonus(key: str, name: str) -> tuple[BonusTier, ...]:
    return _pairs(key, name, "bonus", "at_least", "bonus", BonusTier)


def _initialise(key: str, terms: Contract) -> None:
    for name, value in defaults(key, terms).items():
        st.session_state.setdefault(name, value)


def reset(key: str) -> None:
    """Forget the scenario of a contract (a button callback: runs before the widgets are drawn)."""
    for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(_key(key, ""))]:
        del st.session_state[name]


def load(content: bytes, source: str, key: str, base: Policy, month: str | None = None) -> list[str]:
    """Put a scenario file's figures for contract ``key`` into the widgets; returns notes for the user.

    Raises ``PolicyError`` where the file is broken (not UTF-8 text, too large, too many aliases,
    invalid) or lacks the contract.
    """
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{source}: byte {exc.start + 1} is not UTF-8 text: save the scenario as UTF-8") from None
    loaded = parse_policy(text, source=source)
    if key not in loaded.contracts:
        raise PolicyError(f"{source}: contracts.{key}: missing: the scenario must hold the contract it changes "
                          f"({', '.join(loaded.contracts) or 'it holds none'})")
    terms, current = loaded.contracts[key], base.contracts[key]
    notes = []
    if (terms.clients, terms.calendar) != (current.clients, current.calendar):
        notes.append("The file's clients and calendar are not used: the clocks stay those of the contract's "
                     "own tickets and calendar.")
    if terms.amendments or current.amendments:
        notes.append(f"The file's {len(terms.amendments) + 1} version{'s' if terms.amendments else ''} of the terms "
                     "replace the contract's for every month they hold; the controls show the one in force in "
                     f"{fmt.month(month)}." if month else "")
    # every version of the file is the scenario's (the controls then change the one in force in ``month``)
    whole = dataclasses.replace(terms, key=current.key, name=current.name, clients=current.clients,
                                calendar=current.calendar)
    if month:  # the version the controls show (docs/semantics.md §7)
        terms, current = terms.in_force(month), current.in_force(month)
    if set(terms.service_levels) != set(current.service_levels):
        notes.append("Only the service levels the contract has today are used: "
                     + ", ".join(sorted(set(current.service_levels))) + ".")
    for name, level in terms.service_levels.items():
        if name in current.service_levels and set(level.targets) != set(current.service_levels[name].targets):
            notes.append(f"{fmt.level(name)}: only today's priorities can be changed here "
                         f"({', '.join(current.service_levels[name].targets)}).")
    reset(key)
    rows = {}
    for name, level in current.service_levels.items():
        mine = terms.service_levels.get(name)
        rows[name] = max(len(level.credits), len(mine.credits) if mine else 0)
        rows[f"{name}.bonus"] = max(len(level.bonus), len(mine.bonus) if mine else 0)
    merged = dict(defaults(key, current, rows))
    merged.update({k: v for k, v in defaults(key, terms, rows).items() if k in merged})
    for name, value in merged.items():
        st.session_state[name] = value
    st.session_state[_key(key, "file")] = whole
    return [n for n in notes if n]


def controls(key: str, terms: Contract) -> None:
    """Draw the controls of one contract: a tab per service level, one for the credit rules."""
    _initialise(key, terms)
    names = list(terms.service_levels)
    tabs = st.tabs([fmt.level(n) for n in names] + ["Cap and minimum volume"])
    for tab, name in zip(tabs, names):
        level = terms.service_levels[name]
        with tab:
            left, right = st.columns([3, 2], gap="large")
            with left:
                lowest = min(50.0, _percent(level.objective), st.session_state[_key(key, name, "objective")])
                st.slider("Objective: share of tickets within target" if level.measure == "clock" else
                          "Objective: share of assessed tickets met", lowest, 100.0, step=0.5, format="%.1f%%",
                          key=_key(key, name, "objective"), persist_state="session",
                          help=f"Today: {fmt.percent(float(level.objective))}")
                if level.measure == "ticket":  # no clock, so no targets (docs/semantics.md §9)
                    st.markdown(f"**Met when** {fmt.text(describe.measured_by(level))}.")
                    if level.metric == "satisfaction":
                        st.number_input("Satisfied at a rating of at least (1 to 5)", 1.0, 5.0, step=0.5, format="%.1f",
                                        key=_key(key, name, "satisfied"), persist_state="session",
                                        help=f"Today: {level.satisfied_at_least.normalize():f}")
                if level.targets:
                    st.markdown("**Targets** (business time, as 1h 30m or 45m)")
                columns = st.columns(len(level.targets)) if level.targets else []
                for column, (priority, seconds) in zip(columns, level.targets.items()):
                    column.text_input(priority, key=_key(key, name, "target", priority), persist_state="session",
                                      max_chars=20, help=f"Today: {fmt.duration(seconds)}. Whole minutes, "
                                      f"at most {MAX_TARGET_HOURS}h.")
                    problem = _target(key, name, priority, seconds)[1]
                    if problem:
                        column.error(problem, icon=":material/error:")
            with right:
                st.markdown("**Credit tiers**: below this compliance, this share of the fee")
                _pair_inputs(key, name, "tier", "Tier", (("below", "below"), ("credit", "credit")))
                st.caption("A tier with a credit of 0% is not used. The largest tier that applies is paid.")
                for warning in tier_warnings(_tiers(key, name)):
                    st.warning(warning, icon=":material/warning:")
                if not terms.monthly_fee:
                    st.caption("The contract sets no monthly fee: per-breach amounts and bonuses need one.")
                    continue
                st.number_input(f"Per breach ({terms.currency or 'amount'}): owed for each late ticket", 0.0,
                                1_000_000.0, step=10.0, format="%.2f", key=_key(key, name, "per_breach"),
                                persist_state="session",
                                help="Today: " + (fmt.money(float(level.per_breach), terms.currency)
                                                  if level.per_breach is not None else "none") + ". 0: none.")
                st.markdown("**Bonus tiers**: at or above this compliance, this share of the fee is earned")
                _pair_inputs(key, name, "bonus", "Bonus", (("at_least", "at least"), ("bonus", "bonus")))
                st.caption("A bonus of 0% is not used. The largest bonus that applies is earned.")
    with tabs[-1]:
        left, right = st.columns(2, gap="large")
        left.slider("Cap: the most a month can cost, as a share of the fee", 0.0, 100.0, step=0.5, format="%.1f%%",
                    key=_key(key, "cap"), persist_state="session",
                    help=f"Today: {fmt.percent(float(terms.credit_cap))}")
        if terms.monthly_fee:
            left.slider("Bonus cap: the most a month's bonuses can earn, as a share of the fee", 0.0, 100.0, step=0.5,
                        format="%.1f%%", key=_key(key, "bonus_cap"), persist_state="session",
                        help=f"Today: {fmt.percent(float(terms.bonus_cap))}")
        right.number_input("Minimum volume: assessed tickets a service level needs in a month to earn a credit",
                           0, 100_000, step=1, key=_key(key, "min"), persist_state="session",
                           help=f"Today: {terms.min_tickets}")


def version_of(policy: Policy, key: str, month: str | None) -> str | None:
    """The version a scenario changes: the amendment in force in ``month`` (its first month), or None for
    the contract's own terms."""
    starts = [a.start for a in policy.contracts[key].amendments if month and a.start <= month]
    return starts[-1] if starts else None


def _from_file(policy: Policy, key: str) -> Policy:
    """``policy`` with contract ``key``'s versions those of the scenario file loaded for it, if any."""
    loaded = st.session_state.get(_key(key, "file"))
    if not isinstance(loaded, Contract):
        return policy
    return dataclasses.replace(policy, contracts={**policy.contracts, key: loaded})


def scenario(policy: Policy, key: str, month: str | None = None) -> Policy:
    """The active policy with contract ``key``'s terms in force in ``month`` changed as the controls say
    (after a scenario file, its versions of the terms in place of the contract's)."""
    own = policy.contracts[key].in_force(month) if month else policy.contracts[key]
    _initialise(key, own)
    policy = _from_file(policy, key)
    version = version_of(policy, key, month)
    terms = policy.contracts[key].in_force(month) if month else policy.contracts[key]
    terms = dataclasses.replace(terms, service_levels={n: terms.service_levels[n] for n in own.service_levels
                                                       if n in terms.service_levels})
    state = st.session_state
    targets, objectives, tiers, per_breach, bonus, satisfied = {}, {}, {}, {}, {}, {}
    for name, level in terms.service_levels.items():
        targets[name] = {p: _target(key, name, p, seconds)[0] for p, seconds in level.targets.items()}
        objectives[name] = _share(state[_key(key, name, "objective")])
        tiers[name] = _tiers(key, name)
        amount = Decimal(str(round(state[_key(key, name, "per_breach")], 2)))
        per_breach[name] = amount if amount or level.per_breach is not None else None  # 0: none set, as before
        bonus[name] = _bonus(key, name)
        if level.metric == "satisfaction" and _key(key, name, "satisfied") in state:
            satisfied[name] = Decimal(str(round(state[_key(key, name, "satisfied")], 1))).normalize()
    cap = state.get(_key(key, "bonus_cap"))
    return amend(policy, key, targets=targets, objectives=objectives, tiers=tiers,
                 credit_cap=_share(state[_key(key, "cap")]), min_tickets=int(state[_key(key, "min")]), version=version,
                 per_breach=per_breach, bonus=bonus, bonus_cap=None if cap is None else _share(cap),
                 satisfied_at_least=satisfied)


def changes(base: Policy, changed: Policy, key: str, month: str | None = None) -> list[str]:
    """What the scenario changes in the terms in force in ``month``, in words (for the page and the
    scenario file's header)."""
    old, new = base.contracts[key], changed.contracts[key]
    out = []
    if month:
        others = [(start, terms) for start, _, terms in new.versions() if start != version_of(changed, key, month)]
        if others != [(start, terms) for start, _, terms in old.versions() if start != version_of(base, key, month)]:
            out.append("the other versions of the terms as the scenario file has them ("
                       + ", ".join("the contract's own" if start is None else f"from {fmt.month(start)}"
                                   for start, _ in others) + ")")
        old, new = old.in_force(month), new.in_force(month)
    for name, level in new.service_levels.items():
        if name not in old.service_levels:
            continue
        was = old.service_levels[name]
        for priority, seconds in level.targets.items():
            if seconds != was.targets.get(priority):
                out.append(f"{fmt.level(name)} {priority} target {fmt.duration(was.targets.get(priority))} -> "
                           f"{fmt.duration(seconds)}")
        if level.objective != was.objective:
            out.append(f"{fmt.level(name)} objective {fmt.percent(float(was.objective))} -> "
                       f"{fmt.percent(float(level.objective))}")
        if level.credits != was.credits:
            out.append(f"{fmt.level(name)} credit tiers {tier_words(was.credits)} -> {tier_words(level.credits)}")
        if level.per_breach != was.per_breach:
            out.append(f"{fmt.level(name)} per breach {fmt.money(float(was.per_breach or 0), new.currency)} -> "
                       f"{fmt.money(float(level.per_breach or 0), new.currency)}")
        if level.bonus != was.bonus:
            out.append(f"{fmt.level(name)} bonus tiers {bonus_words(was.bonus)} -> {bonus_words(level.bonus)}")
        if level.satisfied_at_least != was.satisfied_at_least:
            out.append(f"{fmt.level(name)} satisfied at {was.satisfied_at_least.normalize():f} -> "
                       f"{level.satisfied_at_least.normalize():f}")
    if new.credit_cap != old.credit_cap:
        out.append(f"cap {fmt.percent(float(old.credit_cap))} -> {fmt.percent(float(new.credit_cap))}")
    if new.bonus_cap != old.bonus_cap:
        out.append(f"bonus cap {fmt.percent(float(old.bonus_cap))} -> {fmt.percent(float(new.bonus_cap))}")
    if new.min_tickets != old.min_tickets:
        out.append(f"minimum volume {old.min_tickets} -> {new.min_tickets}")
    return out
