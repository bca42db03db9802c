"""What the Overview shows of time: the problems coming up in the next days (registry.forecast) and the trend of
open problems (registry.trend), as rows and series a page draws."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from registry.checks.finding import Severity
from registry.checks.problems import group_problems
from registry.forecast import Forecast
from registry.trend import Trend


@dataclass(frozen=True)
class ComingUp:
    """A problem that opens on a day of the forecast if nothing changes, and what to renew to avoid it."""

    day: date
    severity: Severity
    problem: str
    label: str
    summary: str
    because: tuple[str, ...]
    renew: tuple[str, ...]

    def row(self) -> dict[str, object]:
        return {"day": self.day, "severity": self.severity.value, "problem": self.label, "what opens": self.summary,
                "because": "; ".join(self.because), "renew": ", ".join(self.renew)}


def coming_up(forecast: Forecast) -> list[ComingUp]:
    """One entry per problem and day it opens, earliest first, then worst first."""
    found: list[ComingUp] = []
    for day, same_day in groupby(forecast.opening, key=lambda turn: turn.day):
        turns = list(same_day)
        by_id = {turn.finding.id: turn for turn in turns}
        for problem in group_problems([turn.finding for turn in turns], forecast.registry):
            mine = [by_id[f.id] for f in problem.findings]
            because = tuple(dict.fromkeys(cause.description for turn in mine for cause in turn.causes))
            renew = tuple(sorted({record for turn in mine for record in turn.renew}))
            found.append(ComingUp(day, problem.severity, problem.id, problem.label, problem.summary, because, renew))
    return found


def renewals(forecast: Forecast) -> dict[str, date]:
    """Each record the forecast says to renew, with the first day a problem opens without it."""
    found: dict[str, date] = {}
    for item in coming_up(forecast):
        for record in item.renew:
            found.setdefault(record, item.day)
    return found


def trend_series(trend: Trend) -> dict[str, list[tuple[date, int]]]:
    """Open problems by severity at each point, a series per severity (high first)."""
    return {severity.value: [(point.day, point.problems[severity]) for point in trend.points] for severity in Severity}
