"""The Entities page in people's words: labels instead of machine values, "not recorded" instead of None, and a
processor with an open high finding highlighted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

from dashboard.models.entities import WORST_OPEN, EntitiesModel
from registry.service import Service
from tests.dashboard.conftest import AS_OF

OpenPage = Callable[..., AppTest]


def table(app: AppTest, *columns: str) -> Any:
    return next(frame.value for frame in app.dataframe if all(c in frame.value.columns for c in columns))


def test_processors_read_in_words_and_the_one_with_a_high_finding_is_marked(open_page: OpenPage,
                                                                             seeded: Service) -> None:
    app = open_page("Entities")
    processors = table(app, "dpa signed", WORST_OPEN).set_index("id")
    # The ad-tech processor has no DPA recorded and an open high finding for it (processor-without-dpa).
    assert processors.loc["adtech-us", "dpa signed"] == "not recorded"
    assert processors.loc["adtech-us", WORST_OPEN] == "High"
    open_high = {f.problem for f in seeded.check(AS_OF) if not f.acknowledged and f.severity.value == "high"}
    assert "adtech-us" in open_high
    text = processors.astype(str).to_numpy().ravel().tolist()
    assert not {"None", "nan", "True", "False"} & set(text)
    assert "UK Extension to the EU-US DPF" in processors.loc["adtech-us", "DPF lists"]
    # The highlight the page gives that row: red, as an expired safeguard's.
    styled = next(frame for frame in app.dataframe if WORST_OPEN in frame.value.columns)
    assert "ffd6d6" in str(styled.proto), "the high row is not highlighted"


def test_group_companies_and_recipients_show_labels_not_machine_values(open_page: OpenPage) -> None:
    app = open_page("Entities")
    roles = {role for frame in app.dataframe if "role" in frame.value.columns for role in frame.value["role"]}
    assert roles and roles <= {"Controller", "Joint controller", "Processor"}
    kinds = set(table(app, "kind", "processing countries")["kind"])
    assert "Buyer of the business" in kinds and not any("_" in kind for kind in kinds)
    safeguards = table(app, "safeguard", "status", "kind")
    assert not any("_" in kind for kind in safeguards["kind"])


def test_a_processor_is_flagged_by_the_findings_that_hold_it_or_its_flows_at_fault(seeded: Service) -> None:
    snapshot = seeded.snapshot(AS_OF)
    model = EntitiesModel(snapshot)
    for processor in seeded.registry().processors:
        own = [f.severity for f in snapshot.findings if not f.acknowledged and f.problem == processor.id]
        received = [severity for flow, severity in snapshot.flagged_flows.items()
                    if snapshot.registry.flows_by_id[flow].receiver == processor.id]
        expected = max(own + received, key=lambda s: s.rank, default=None)
        assert model.worst_open_by_entity.get(processor.id) == expected, processor.id
