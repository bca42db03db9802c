"""The Graph explorer page's model: what one can centre on, where it starts, and bounded neighbourhoods."""

from __future__ import annotations

from collections import Counter
from functools import cached_property

from dashboard.models.base import PageModel
from registry.projection import COUNTRY, Neighbourhood, record_node

GRAPH_NODE_LIMIT = 300


class GraphExplorerModel(PageModel):
    @cached_property
    def centres(self) -> dict[str, list[tuple[str, str]]]:
        """Nodes one can centre the explorer on, by kind: (node id, label)."""
        registry = self.registry
        return {
            "Entity": [(record_node(e), f"{e.name} [{e.id}]") for e in
                       sorted(registry.entities.values(), key=lambda e: e.id)],
            "Data category": [(record_node(c), f"{c.name} [{c.id}]") for c in
                              sorted(registry.data_categories, key=lambda c: c.id)],
            "Country": [(n, data["label"]) for n, data in sorted(self.snapshot.graph.nodes(data=True))
                        if data.get("kind") == COUNTRY],
        }

    @cached_property
    def busiest_entity(self) -> str | None:
        """The node of the entity in the most flows: where the explorer starts."""
        counts = Counter(e for f in self.registry.flows for e in (f.sender, f.receiver))
        if not counts:
            return None
        return record_node(self.registry.entities[min(counts, key=lambda e: (-counts[e], e))])

    def neighbourhood(self, centre: str, hops: int, limit: int = GRAPH_NODE_LIMIT) -> Neighbourhood:
        return self.snapshot.neighbourhood(centre, hops, limit)
