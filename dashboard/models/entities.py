"""The Entities page's model: searchable tables of group companies, processors with their chains, recipients
and safeguards with their status on the day, in people's words (registry.labels); ids stay, to be copied."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.rows import safeguard_row
from registry.checks.finding import Severity, worst
from registry.labels import cell, dpf_lists_label, label, yes_no
from registry.model import Processor, country_label, country_name

# The processors table's column that names the worst open problem; the page highlights by it.
WORST_OPEN = "worst open finding"


def search_rows(rows: Sequence[dict[str, object]], text: str) -> list[dict[str, object]]:
    """Rows with `text` (case-insensitive) in any cell."""
    needle = text.strip().lower()
    if not needle:
        return list(rows)
    return [row for row in rows if any(needle in str(value).lower() for value in row.values())]


def places(codes: Sequence[str]) -> str:
    return ", ".join(country_name(code) for code in codes)


class EntitiesModel(PageModel):
    """Each table is built once; a search filters it without building it again (callers leave rows as they are)."""

    def prepare(self) -> None:
        _ = self.group_companies, self.processors, self.recipients, self.safeguards

    @cached_property
    def group_companies(self) -> list[dict[str, object]]:
        return [{"region": c.region, "id": c.id, "name": c.name, "country": country_label(c.country),
                 "processing countries": places(c.where_processed), "role": label(c.role),
                 "bcr bound": yes_no(c.bcr_bound), "source": cell(c.source, empty="")}
                for c in sorted(self.registry.group_companies, key=lambda c: (c.region, c.id))]

    def processor_chain(self, processor: Processor) -> str:
        """The processor and those above it: 'sub -> parent -> ... -> top'."""
        chain, seen = [processor.id], {processor.id}
        current = processor
        while current.parent and current.parent not in seen:
            seen.add(current.parent)
            chain.append(current.parent)
            parent = self.registry.processors_by_id.get(current.parent)
            if parent is None:
                break
            current = parent
        return " → ".join(chain)

    @cached_property
    def worst_open_by_entity(self) -> dict[str, Severity]:
        """Entity id -> the worst open finding that holds it, or a flow it receives, at fault."""
        severities: dict[str, list[Severity]] = defaultdict(list)
        for flow_id, severity in self.snapshot.flagged_flows.items():
            flow = self.registry.flows_by_id.get(flow_id)
            if flow is not None:
                severities[flow.receiver].append(severity)
        for finding in self.findings:
            if not finding.acknowledged and finding.problem in self.registry.entities:
                severities[finding.problem].append(finding.severity)
        return {entity: found for entity, listed in severities.items() if (found := worst(listed)) is not None}

    @cached_property
    def processors(self) -> list[dict[str, object]]:
        subs: dict[str, list[str]] = defaultdict(list)
        for p in self.registry.processors:
            if p.parent:
                subs[p.parent].append(p.id)
        return [{"id": p.id, "name": p.name, "country": country_label(p.country),
                 "processing countries": places(p.where_processed), "dpa signed": cell(p.dpa_signed),
                 "DPF lists": dpf_lists_label(p), WORST_OPEN: label(self.worst_open_by_entity.get(p.id), empty=""),
                 "sub-processor chain": self.processor_chain(p),
                 "sub-processors": ", ".join(sorted(subs.get(p.id, []))), "source": cell(p.source, empty="")}
                for p in sorted(self.registry.processors, key=lambda p: p.id)]

    @cached_property
    def recipients(self) -> list[dict[str, object]]:
        return [{"id": r.id, "name": r.name, "kind": label(r.kind), "country": country_label(r.location),
                 "processing countries": places(r.where_processed), "source": cell(r.source, empty="")}
                for r in sorted(self.registry.recipients, key=lambda r: r.id)]

    @cached_property
    def safeguards(self) -> list[dict[str, object]]:
        return [safeguard_row(self.snapshot, s) for s in sorted(self.registry.safeguards, key=lambda s: s.id)]
