"""The Transfers map page's model: the country pairs cross-border flows join, each with its worst open finding."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.rows import flow_row
from registry.checks.finding import Severity, worst
from registry.collector import collector_paused
from registry.model import country_label


@dataclass(frozen=True)
class CountryPair:
    sender: str
    receiver: str
    flows: tuple[str, ...]
    worst: Severity | None  # of the open findings on these flows

    @property
    def label(self) -> str:
        return f"{country_label(self.sender)} → {country_label(self.receiver)}"


class TransfersMapModel(PageModel):
    @cached_property
    @collector_paused()
    def country_pairs(self) -> list[CountryPair]:
        """One pair per sender country -> receiver country a cross-border flow joins, most flows first."""
        flows: dict[tuple[str, str], list[str]] = defaultdict(list)
        for flow_id, (senders, receivers) in self.snapshot.cross_border.items():
            for sender in senders:
                for receiver in receivers:
                    flows[(sender, receiver)].append(flow_id)
        flagged = self.snapshot.flagged_flows
        pairs = [CountryPair(s, r, tuple(ids), worst(flagged[i] for i in ids if i in flagged))
                 for (s, r), ids in flows.items()]
        return sorted(pairs, key=lambda p: (-len(p.flows), p.sender, p.receiver))

    def pair_flows(self, pair: CountryPair) -> list[dict[str, object]]:
        return [flow_row(self.snapshot, self.registry.flows_by_id[i]) for i in pair.flows]
