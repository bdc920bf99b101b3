"""Policy validation: every kind of mistake is reported with file, key path, value and the fix, all at once."""
from decimal import Decimal

import pytest

from slametrics.errors import PolicyError
from slametrics.policy import format_duration, load_policy, parse_duration, parse_policy

GOOD = """
calendars:
  berlin:
    timezone: Europe/Berlin
    hours: {mon-fri: "08:00-18:00", sat: ["09:00-12:00", "13:00-15:00"]}
    holidays: {dates: [2026-12-24], country: DE, subdivision: BY}
  always: {timezone: UTC, hours: always}
contracts:
  acme:
    name: Acme Corp
    clients: [Acme Corp, Acme GmbH]
    calendar: berlin
    pause_statuses: [pending_customer]
    monthly_fee: 20000
    currency: EUR
    credit_cap: 0.15
    min_tickets: 10
    service_levels:
      p1_response: {metric: first_response, targets: {P1: 15m}, calendar: always, objective: 0.95,
                    credits: [{below: 0.95, credit: 0.05}]}
      resolution: {metric: resolution, targets: {1: 4h, P2: 1h30m}, objective: 0.85}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, source="p.yaml")
    return info.value.problems


def test_a_good_policy_reads_shares_exactly_and_priority_keys_as_text():
    policy = parse_policy(GOOD, source="p.yaml")
    acme = policy.contracts["acme"]
    assert acme.service_levels["p1_response"].objective == Decimal("0.95")
    assert acme.credit_cap == Decimal("0.15")
    assert acme.service_levels["resolution"].targets == {"1": 14400, "P2": 5400}
    assert acme.resolved_statuses == ("resolved", "closed", "solved")
    assert policy.calendars["berlin"].hours[5] == ((9 * 3600, 12 * 3600), (13 * 3600, 15 * 3600))
    assert policy.calendars["always"].hours[6] == ((0, 86400),)
    assert policy.client_contract == {"Acme Corp": "acme", "Acme GmbH": "acme"}


def test_resolution_pauses_in_resolved_statuses_and_first_response_only_in_its_own():
    acme = parse_policy(GOOD).contracts["acme"]
    assert acme.pausing_statuses(acme.service_levels["resolution"]) == ("pending_customer", "resolved", "closed", "solved")
    assert acme.pausing_statuses(acme.service_levels["p1_response"]) == ()


@pytest.mark.parametrize("text, expected", [
    ("1h30m", 5400), ("90m", 5400), ("15m", 900), ("4h", 14400), ("0m", 0),
    ("15 min", None), ("1H", None), ("", None), ("4", None), ("30s", None),
])
def test_durations_use_lower_case_h_and_m(text, expected):
    assert parse_duration(text) == expected


def test_durations_print_back_in_policy_notation():
    assert [format_duration(s) for s in (900, 5400, 14400, 0)] == ["15m", "1h30m", "4h", "0m"]


@pytest.mark.parametrize("change, expected", [
    (("timezone: Europe/Berlin", "timezone: Europe/Berln"),
     "p.yaml: calendars.berlin.timezone: 'Europe/Berln': unknown time zone"),
    (("targets: {P1: 15m}", "targets: {P1: 15 min}"),
     "p.yaml: contracts.acme.service_levels.p1_response.targets.P1: '15 min': not a duration"),
    (("objective: 0.95", "objective: 95"),
     "p.yaml: contracts.acme.service_levels.p1_response.objective: 95: must be a share from 0 to 1"),
    (("credit_cap: 0.15", "credit_cap: 1.5"),
     "p.yaml: contracts.acme.credit_cap: 1.5: must be a share from 0 to 1"),
    (("calendar: always", "calendar: allways"),
     "p.yaml: contracts.acme.service_levels.p1_response.calendar: 'allways': unknown calendar; defined calendars: always, berlin"),
    (("metric: resolution", "metric: resolve"),
     "p.yaml: contracts.acme.service_levels.resolution.metric: 'resolve': must be one of {first_response, resolution, first_contact_resolution, not_reopened, satisfaction}"),
    (("    currency: EUR\n", "    currency: EUR\n    colour: red\n"),
     "p.yaml: contracts.acme.colour: 'red': unknown key; allowed:"),
    (('sat: ["09:00-12:00", "13:00-15:00"]', 'sat: ["09:00-12:00", "11:00-15:00"]'),
     "p.yaml: calendars.berlin.hours: 'sat 09:00-12:00 and 11:00-15:00': intervals of one day overlap"),
    (('mon-fri: "08:00-18:00"', 'fri-mon: "08:00-18:00"'),
     "p.yaml: calendars.berlin.hours.fri-mon: 'fri-mon': unknown day; use mon, tue, wed, thu, fri, sat, sun or a forward range"),
    (('mon-fri: "08:00-18:00"', 'mon-fri: "22:00-02:00"'),
     "p.yaml: calendars.berlin.hours.mon-fri: '22:00-02:00': must be an interval"),
    (("country: DE", "country: XX"),
     "p.yaml: calendars.berlin.holidays.country: 'XX': unknown country"),
    (("subdivision: BY", "subdivision: ZZ"),
     "p.yaml: calendars.berlin.holidays.subdivision: 'ZZ': unknown subdivision of DE"),
    (("country: DE", "country: NO"),
     "p.yaml: calendars.berlin.holidays.country: False: YAML read this country code as a boolean; quote it"),
    (("dates: [2026-12-24]", "dates: [2026-13-24]"),
     "p.yaml: calendars.berlin.holidays.dates[0]: '2026-13-24': must be a date written YYYY-MM-DD"),
    (("    monthly_fee: 20000\n", ""),
     "p.yaml: contracts.acme.monthly_fee: missing: required where a service level has credits"),
    (("    calendar: berlin\n", ""),
     "p.yaml: contracts.acme.calendar: missing: required: the name of a calendar under calendars"),
    (("credits: [{below: 0.95, credit: 0.05}]", "credits: [{below: 0.95}]"),
     "p.yaml: contracts.acme.service_levels.p1_response.credits[0].credit: missing: required: a share from 0 to 1"),
    (("min_tickets: 10", "min_tickets: ten"),
     "p.yaml: contracts.acme.min_tickets: 'ten': must be a whole number of tickets"),
])
def test_each_kind_of_mistake_is_named_with_its_key_path_value_and_fix(change, expected):
    old, new = change
    assert old in GOOD
    problems = problems_of(GOOD.replace(old, new, 1))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_client_in_two_contracts_is_refused():
    text = GOOD + """
  other:
    clients: [Acme GmbH]
    calendar: berlin
    service_levels:
      r: {metric: resolution, targets: {P1: 4h}, objective: 0.9}
"""
    assert any("contracts.other.clients: 'Acme GmbH': client is already in contract 'acme'" in p for p in problems_of(text))


def test_every_mistake_is_reported_at_once():
    text = GOOD.replace("Europe/Berlin", "Europe/Berln").replace("15m", "15x").replace("0.85", "85")
    problems = problems_of(text)
    assert len(problems) == 3
    assert [p.split(":")[1].strip() for p in problems] == [
        "calendars.berlin.timezone",
        "contracts.acme.service_levels.p1_response.targets.P1",
        "contracts.acme.service_levels.resolution.objective",
    ]


def test_yaml_that_does_not_parse_names_the_line():
    problems = problems_of("calendars:\n  a: [unclosed\n")
    assert problems[0].startswith("p.yaml: line ") and "not valid YAML" in problems[0]


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "nope.yaml")


def test_priority_keys_and_client_names_keep_the_text_yaml_would_read_as_a_number():
    policy = parse_policy("""
calendars: {c: {timezone: UTC, hours: always}}
contracts:
  k:
    clients: [A, 007]
    calendar: c
    min_tickets: 010
    service_levels: {r: {metric: resolution, targets: {01: 1h, 1: 2h, P1: 4h}, objective: 1}}
""")
    contract = policy.contracts["k"]
    assert contract.service_levels["r"].targets == {"01": 3600, "1": 7200, "P1": 14400}
    assert contract.clients == ("A", "007")
    assert contract.min_tickets == 8 and type(contract.min_tickets) is int  # 010 is octal in YAML 1.1


def test_a_client_in_two_contracts_is_reported_even_beside_other_mistakes_and_an_empty_fee_is_missing():
    text = GOOD.replace("    monthly_fee: 20000\n", "    monthly_fee:\n").replace("0.85}", "85}") + """
  other:
    clients: [Acme GmbH]
    calendar: berlin
    service_levels:
      r: {metric: resolution, targets: {P1: 4h}, objective: 0.9}
"""
    problems = problems_of(text)
    assert any("contracts.other.clients: 'Acme GmbH': client is already in contract 'acme'" in p for p in problems)
    assert any(p.startswith("p.yaml: contracts.acme.monthly_fee: missing: required where a service level has credits")
               for p in problems)
    assert any("contracts.acme.service_levels.resolution.objective: 85" in p for p in problems)


AMENDED = GOOD + """    amendments:
      - from: 2026-07
        note: Q3 renegotiation
        monthly_fee: 24000
        min_tickets: null
        service_levels:
          p1_response: null
          p2_response: {metric: first_response, targets: {P2: 1h}, objective: 0.9}
      - from: 2027-01
        credit_cap: 0.2
"""


def test_amendments_replace_the_terms_they_name_from_their_month_and_carry_the_rest_over():
    acme = parse_policy(AMENDED, source="p.yaml").contracts["acme"]
    assert [(first, end) for first, end, _ in acme.versions()] == [(None, "2026-07"), ("2026-07", "2027-01"),
                                                                     ("2027-01", None)]
    june, july, later = acme.in_force("2026-06"), acme.in_force("2026-07"), acme.in_force("2027-03")
    assert (june.monthly_fee, july.monthly_fee, later.monthly_fee) == (Decimal(20000), Decimal(24000), Decimal(24000))
    assert (june.min_tickets, july.min_tickets) == (10, 0)  # null: the default again
    assert list(june.service_levels) == ["p1_response", "resolution"]
    assert list(july.service_levels) == ["resolution", "p2_response"]  # one ended, one added, one carried over
    assert july.service_levels["resolution"] == june.service_levels["resolution"]
    assert (july.credit_cap, later.credit_cap) == (Decimal("0.15"), Decimal("0.2"))
    assert acme.amendments[0].note == "Q3 renegotiation" and acme.amendments[1].note is None
    assert (july.name, july.clients, july.calendar) == (acme.name, acme.clients, acme.calendar)


@pytest.mark.parametrize("amendment, expected", [
    ("{from: 2026-07, clients: [X]}", "contracts.acme.amendments[0] (from 2026-07).clients: ['X']: belongs to the "
                                      "contract and cannot be amended"),
    ("{from: 2026-07, calendar: always}", "contracts.acme.amendments[0] (from 2026-07).calendar: 'always': belongs "
                                          "to the contract and cannot be amended"),
    ("{from: 2026-07, name: X}", "contracts.acme.amendments[0] (from 2026-07).name: 'X': belongs to the contract"),
    ("{from: 2026-07, currency: USD}", "contracts.acme.amendments[0] (from 2026-07).currency: 'USD': belongs to the"),
    ("{from: 2026-7}", "contracts.acme.amendments[0].from: '2026-7': required: the first month it holds, written "
                       "YYYY-MM"),
    ("{from: 2026-07-01}", "contracts.acme.amendments[0].from: datetime.date(2026, 7, 1): required: the first month"),
    ("{note: no month}", "contracts.acme.amendments[0].from: missing: required: the first month it holds"),
    ("{from: 2026-07, colour: red}", "contracts.acme.amendments[0] (from 2026-07).colour: 'red': unknown key; allowed: "
                                     "from, note, pause_statuses"),
    ("{from: 2026-07, monthly_fee: null}", "contracts.acme.amendments[0] (from 2026-07).monthly_fee: missing: required "
                                           "where a service level has credits"),
    ("{from: 2026-07, service_levels: {resolution: {metric: resolution, targets: {P2: 1h}, objective: 1.5}}}",
     "contracts.acme.amendments[0] (from 2026-07).service_levels.resolution.objective: 1.5: must be a share from 0 to 1"),
])
def test_each_kind_of_amendment_mistake_is_named_with_the_amendments_index_and_month(amendment, expected):
    problems = problems_of(GOOD + f"    amendments:\n      - {amendment}\n")
    assert any(expected in p for p in problems), problems


def test_amendments_must_come_in_month_order():
    problems = problems_of(GOOD + "    amendments:\n      - {from: 2026-07, min_tickets: 5}\n"
                                  "      - {from: 2026-07, min_tickets: 6}\n")
    assert any("amendments[1] (from 2026-07).from: '2026-07': must be later than the amendment before it "
               "(from 2026-07)" in p for p in problems), problems


def test_a_service_level_named_total_is_refused():
    problems = problems_of(GOOD.replace("      resolution: {", "      TOTAL: {"))
    assert any("contracts.acme.service_levels.TOTAL" in p and "reserved" in p for p in problems), problems


@pytest.mark.parametrize("change, expected", [
    ("per_breach: -5", "service_levels.resolution.per_breach: -5: must be an amount owed per breached ticket, 0 or more"),
    ("bonus: [{at_least: 1.2, bonus: 0.01}]", "service_levels.resolution.bonus[0].at_least: 1.2: must be a share from 0 to 1"),
    ("bonus: [{at_least: 0.98, bonus: 2}]", "service_levels.resolution.bonus[0].bonus: 2: must be a share from 0 to 1"),
    ("bonus: [{at_least: 0.98}]", "service_levels.resolution.bonus[0].bonus: missing: required: a share from 0 to 1"),
    ("bonus: [{at_least: 0.98, bonus: 0.01, extra: 1}]", "service_levels.resolution.bonus[0].extra: 1: unknown key"),
    ("bonus: 0.01", "service_levels.resolution.bonus: 0.01: must be a list of tiers such as [{at_least: 0.98, bonus: 0.01}]"),
])
def test_each_kind_of_per_breach_or_bonus_mistake_is_named(change, expected):
    text = GOOD.replace("      resolution: {metric: resolution, targets: {1: 4h, P2: 1h30m}, objective: 0.85}",
                        "      resolution: {metric: resolution, targets: {1: 4h, P2: 1h30m}, objective: 0.85, "
                        + change.replace(": ", ": ", 1) + "}")
    problems = problems_of(text)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("contract_keys, expected", [
    ("bonus_cap: 3", "contracts.acme.bonus_cap: 3: must be a share from 0 to 1"),
    ("payment: {method: cheque, claim_within_days: 30}", "contracts.acme.payment.method: 'cheque': must be one of "
                                                         "invoice_credit, direct_payment"),
    ("payment: {method: invoice_credit, claim_within_days: -1}", "contracts.acme.payment.claim_within_days: -1: must "
                                                                 "be a whole number of days"),
    ("payment: {method: invoice_credit}", "contracts.acme.payment.claim_within_days: missing: must be a whole number"),
    ("monthly_fee: 0", "contracts.acme.monthly_fee: 0: must be a positive amount where a service level has credits"),
])
def test_each_kind_of_bonus_cap_payment_or_fee_mistake_is_named(contract_keys, expected):
    key = contract_keys.split(":")[0]
    text = GOOD.replace("    monthly_fee: 20000\n", "" if key == "monthly_fee" else "    monthly_fee: 20000\n")
    problems = problems_of(text.replace("    min_tickets: 10\n", f"    min_tickets: 10\n    {contract_keys}\n"))
    assert any(expected in p for p in problems), problems


def test_per_breach_bonus_and_payment_read_exactly():
    text = GOOD.replace("      resolution: {metric: resolution, targets: {1: 4h, P2: 1h30m}, objective: 0.85}",
                        "      resolution: {metric: resolution, targets: {1: 4h, P2: 1h30m}, objective: 0.85, "
                        "per_breach: 0, bonus: [{at_least: 0.98, bonus: 0.01}]}").replace(
        "    min_tickets: 10\n", "    min_tickets: 10\n    bonus_cap: 0.02\n    payment: {method: direct_payment, "
                                "claim_within_days: 45}\n")
    acme = parse_policy(text, source="p.yaml").contracts["acme"]
    level = acme.service_levels["resolution"]
    assert (level.per_breach, level.bonus[0].at_least, level.bonus[0].bonus) == (0, Decimal("0.98"), Decimal("0.01"))
    assert level.settles  # a per-breach amount of 0 still gives it a row in credits
    assert (acme.bonus_cap, acme.payment.method, acme.payment.claim_within_days) == (Decimal("0.02"), "direct_payment", 45)
