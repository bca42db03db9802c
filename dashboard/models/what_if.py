"""The What if page's model: a scenario from the form, the result's rows, the transfers left without a fallback as
country pairs for the map, and the files to download. No Streamlit here, and nothing that writes."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

from dashboard.models.transfers_map import CountryPair
from registry import scenario as scenarios
from registry.checks.finding import Severity
from registry.exports.to_csv import render_csv
from registry.exports.to_xlsx import render_workbook
from registry.labels import regime_label, yes_no
from registry.whatif import WhatIf, tables

FORM_FILE = "form.json"  # what the form's problems are located in
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scenario_from_form(regime: str, country: str, adequate: bool, day: date) -> scenarios.ScenarioFile:
    """A one-change scenario (an adequacy decision revoked or adopted from a day), read as a file would be, so its
    problems name the field at fault."""
    change = "adopted" if adequate else "revoked"
    document = {"version": 1, "title": f"{regime} adequacy for {country.strip() or '?'} {change} from {day}",
                "adequacy": [{"regime": regime, "country": country.strip(), "adequate": adequate,
                              "from": day.isoformat()}]}
    return scenarios.parse(json.dumps(document).encode("utf-8"), FORM_FILE)


def problem_rows(result: WhatIf) -> list[dict[str, object]]:
    return [{"status": problem.status.value, "severity": problem.severity, "problem": problem.label,
             "findings": len(problem.findings),
             "because": "; ".join(dict.fromkeys(c.description for f in problem.findings for c in f.causes))}
            for problem in result.problems]


def basis_rows(result: WhatIf) -> list[dict[str, object]]:
    return [{"flow": lost.label, "regime": regime_label(lost.regime), "loses": ", ".join(b.label for b in lost.lost),
             "still on the flow": ", ".join(b.label for b in lost.left) or "nothing",
             "fallback carries it": yes_no(lost.carried)} for lost in result.lost]


def without_fallback_pairs(result: WhatIf) -> list[CountryPair]:
    """The transfers left without a basis, as the sender country -> receiver country pairs the map draws."""
    registry = result.applied.registry
    flows: dict[tuple[str, str], set[str]] = defaultdict(set)
    for lost in result.without_fallback:
        sender = registry.entities[lost.flow.sender].where_processed
        for country in registry.entities[lost.flow.receiver].where_processed:
            if country not in sender:
                for origin in sender:
                    flows[(origin, country)].add(lost.flow.id)
    pairs = [CountryPair(origin, country, tuple(sorted(ids)), Severity.HIGH)
             for (origin, country), ids in flows.items()]
    return sorted(pairs, key=lambda p: (-len(p.flows), p.sender, p.receiver))


def files(result: WhatIf) -> dict[str, tuple[bytes, str]]:
    """File name -> (content, MIME type): each table as CSV, and both in one workbook."""
    problems, basis = tables(result)
    day = result.as_of.isoformat()
    workbook = render_workbook((problems, basis), f"What if: {result.applied.scenario.title}")
    return {f"flowreg-what-if-problems-{day}.csv": (render_csv(problems), "text/csv"),
            f"flowreg-what-if-basis-{day}.csv": (render_csv(basis), "text/csv"),
            f"flowreg-what-if-{day}.xlsx": (workbook, XLSX)}
