"""The Entities page's model: searchable tables of group companies, processors with their chains, recipients
and safeguards with their status on the day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.rows import safeguard_row
from registry.model import Processor


def search_rows(rows: Sequence[dict[str, object]], text: str) -> list[dict[str, object]]:
    """Rows with `text` (case-insensitive) in any cell."""
    needle = text.strip().lower()
    if not needle:
        return list(rows)
    return [row for row in rows if any(needle in str(value).lower() for value in row.values())]


class EntitiesModel(PageModel):
    """Each table is built once; a search filters it without building it again (callers leave rows as they are)."""

    @cached_property
    def group_companies(self) -> list[dict[str, object]]:
        return [{"region": c.region, "id": c.id, "name": c.name, "country": c.country,
                 "processing countries": ", ".join(c.where_processed), "role": c.role.value,
                 "bcr bound": c.bcr_bound, "source": c.source or ""}
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
    def processors(self) -> list[dict[str, object]]:
        subs: dict[str, list[str]] = defaultdict(list)
        for p in self.registry.processors:
            if p.parent:
                subs[p.parent].append(p.id)
        return [{"id": p.id, "name": p.name, "country": p.country,
                 "processing countries": ", ".join(p.where_processed), "dpa signed": p.dpa_signed,
                 "dpf certified": p.dpf_certified, "sub-processor chain": self.processor_chain(p),
                 "sub-processors": ", ".join(sorted(subs.get(p.id, []))), "source": p.source or ""}
                for p in sorted(self.registry.processors, key=lambda p: p.id)]

    @cached_property
    def recipients(self) -> list[dict[str, object]]:
        return [{"id": r.id, "name": r.name, "kind": r.kind.value, "country": r.country,
                 "processing countries": ", ".join(r.where_processed), "source": r.source or ""}
                for r in sorted(self.registry.recipients, key=lambda r: r.id)]

    @cached_property
    def safeguards(self) -> list[dict[str, object]]:
        return [safeguard_row(self.snapshot, s) for s in sorted(self.registry.safeguards, key=lambda s: s.id)]
