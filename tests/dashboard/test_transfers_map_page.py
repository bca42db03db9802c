"""The Transfers map page on the seed, with a hop added behind the Luxembourg group company: the arc into
Luxembourg stays clear, the hop at fault is chosen with its onward path, and it links to its findings."""

from __future__ import annotations

import json
from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from registry import manifest as manifests
from registry.service import Service

# gc-lu passes the European entrants' data it gets from Japan on to India with no tool: the GDPR and the Swiss
# FADP judge that hop directly, the APPI through the chain Japan -> Luxembourg -> India (an onward gap).
ONWARD = b"""
version: 1
processors:
  - {id: helpdesk-in, name: Helpdesk in India, country: IN, dpa_signed: 2024-01-01, source: test}
flows:
  - id: f90-lu-helpdesk
    from: gc-lu
    to: helpdesk-in
    subjects: [entrants-europe]
    categories: [user.contact.email]
    purpose: campaign
    encrypted_in_transit: true
    tia: lu-helpdesk-tia
    source: test
"""


def test_the_hop_at_fault_is_chosen_with_its_path_and_links_to_its_findings(
        open_page: Callable[..., AppTest], seeded: Service) -> None:
    seeded.import_manifest(manifests.parse(ONWARD, "onward.yaml"))
    app = open_page("Transfers map")
    pairs = app.dataframe[-1].value
    worst = dict(zip(pairs["pair"], pairs["worst open problem"], strict=True))
    assert worst["Japan (JP) → Luxembourg (LU)"] == "none"
    assert worst["Luxembourg (LU) → India (IN)"] == "high"
    chooser = app.selectbox(key="map_pair")
    chooser.set_value(chooser.options.index("Luxembourg (LU) → India (IN)")).run()
    problem = app.selectbox(key="map_problem:LU-IN")
    assert problem.options and all("Helpdesk in India" in option for option in problem.options)
    problem.set_value(0).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Japan → Luxembourg → India" in m.value for m in app.markdown)
    [link] = app.get("page_link")
    assert (link.proto.page, link.proto.query_string) == ("findings", "flow=f90-lu-helpdesk")
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    names = [trace.get("name") for trace in figure["data"]]
    assert "Path of the chosen problem" in names and "Chosen pair" in names
