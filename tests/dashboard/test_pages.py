"""Every page of the real app on the seed (Streamlit AppTest): renders, shows the seed's data, filters work."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.models.rows import EXPIRING
from registry.service import Service
from tests.dashboard.conftest import AS_OF, PAGES

OpenPage = Callable[..., AppTest]


def table(app: AppTest, *columns: str) -> Any:
    """The first table on the page with these columns (read-only tables carry no key in AppTest)."""
    for frame in app.dataframe:
        if all(c in frame.value.columns for c in columns):
            return frame.value
    raise AssertionError(f"no table with columns {columns}")


def test_every_page_renders_on_the_seed(open_page: OpenPage) -> None:
    for title in PAGES:
        app = open_page(title)
        assert [t.value for t in app.title] == [title]
        assert not app.error, [e.value for e in app.error]


def test_overview_counts_match_the_registry(open_page: OpenPage, seeded: Service) -> None:
    registry = seeded.registry()
    cross_border = sum(
        any(c not in registry.entities[f.sender].where_processed for c in registry.entities[f.receiver].where_processed)
        for f in registry.flows)
    metrics = {m.label: int(m.value.replace(",", "")) for m in open_page("Overview").metric}
    assert metrics == {"Entities": len(registry.entities), "Processors": len(registry.processors),
                       "Countries": len({c for e in registry.entities.values() if any(
                           e.id in (f.sender, f.receiver) for f in registry.flows) for c in e.where_processed}),
                       "Flows": len(registry.flows), "Cross-border transfers": cross_border}
    assert cross_border > 0


def test_transfers_map_lists_each_country_pair_and_its_flows(open_page: OpenPage, seeded: Service) -> None:
    registry = seeded.registry()
    pairs = {(s, r) for f in registry.flows for s in registry.entities[f.sender].where_processed
             for r in registry.entities[f.receiver].where_processed
             if r not in registry.entities[f.sender].where_processed}
    app = open_page("Transfers map")
    assert len(app.get("plotly_chart")) == 1
    pairs_table = table(app, "from", "to", "pair")
    assert set(zip(pairs_table["from"], pairs_table["to"], strict=True)) == pairs
    chosen = app.selectbox(key="map_pair")
    index = next(i for i, pair in enumerate(zip(pairs_table["from"], pairs_table["to"], strict=True))
                 if pair == ("US", "IN"))
    chosen.set_value(index).run()
    flows = set(table(app, "flow", "from")["flow"])
    assert flows == {f.id for f in registry.flows if "US" in registry.entities[f.sender].where_processed
                     and "IN" in registry.entities[f.receiver].where_processed}


def _drawn(app: AppTest) -> dict[str, Any]:
    (chart,) = app.get("plotly_chart")
    return json.loads(chart.proto.spec)


def test_graph_explorer_draws_the_controllers_parties_left_to_right(open_page: OpenPage, seeded: Service) -> None:
    registry = seeded.registry()
    app = open_page("Graph explorer")
    # The seed's controller: 13 parties in three columns, not 46 nodes (flows and data categories among them).
    assert any(c.value.startswith("13 node(s) (parties), 12 link(s)") for c in app.caption)
    figure = _drawn(app)
    markers = [t for t in figure["data"] if t.get("mode") == "markers" and t.get("legendgroup") == "parties"]
    xs = [x for t in markers for x in t["x"]]
    ys = [y for t in markers for y in t["y"]]
    (left, right), (bottom, top) = figure["layout"]["xaxis"]["range"], figure["layout"]["yaxis"]["range"]
    assert len(xs) == 13 and len(set(xs)) == 3
    assert all(left < x < right for x in xs) and all(bottom < y < top for y in ys)
    names = {a["hovertext"] for a in figure["layout"]["annotations"]}
    assert all(a["name"] == "party" for a in figure["layout"]["annotations"])
    assert names == {e.name for e in registry.entities.values()} - {"Follow-the-sun operations centre, India (example)"}
    categories = {c.name for c in registry.data_categories}
    assert not any(t.get("text") and set(t["text"]) & categories for t in figure["data"])
    hover = " ".join(h for t in figure["data"] for h in t.get("hovertext") or [])
    assert "Data categories: " in hover and "Rakuten member ID" in hover
    one_hop = app.slider(key="g_hops").set_value(1).run()
    small = next(c.value for c in one_hop.caption if "node(s)" in c.value)
    app.slider(key="g_hops").set_value(3).run()
    large = next(c.value for c in app.caption if "node(s)" in c.value)
    assert int(small.split()[0]) < int(large.split()[0]) == len(registry.entities)
    app.toggle(key="g_categories").set_value(True).run()
    notes = [a for a in _drawn(app)["layout"]["annotations"] if a.get("name") == "categories"]
    # One note beside each party that data reaches from its left: all but the controller.
    assert len(notes) == 13 and all(n["hovertext"].startswith("Data categories arriving:") for n in notes)
    assert any("Rakuten member ID" in n["hovertext"] for n in notes)
    app.radio(key="g_kind").set_value("Country").run()
    assert not app.exception and len(app.get("plotly_chart")) == 1
    figure = _drawn(app)
    (left, right), (bottom, top) = figure["layout"]["xaxis"]["range"], figure["layout"]["yaxis"]["range"]
    assert all(left < a["x"] < right and bottom < a["y"] < top for a in figure["layout"]["annotations"])


def test_graph_explorer_shows_more_a_step_at_a_time(open_page: OpenPage) -> None:
    app = open_page("Graph explorer", g_cap=5)
    assert any("the nearest 5 are drawn" in w.value for w in app.warning)
    assert len(_drawn(app)["layout"]["annotations"]) == 5
    app.button(key="g_more").click().run()
    assert not app.warning and len(_drawn(app)["layout"]["annotations"]) == 13
    app.slider(key="g_hops").set_value(3).run()  # a new reach starts again from what fits
    assert app.session_state["g_cap"] == 30


def test_entities_search_and_safeguard_expiry(open_page: OpenPage, seeded: Service) -> None:
    registry = seeded.registry()
    app = open_page("Entities")
    assert set(table(app, "sub-processor chain")["id"]) == {p.id for p in registry.processors}
    app.text_input(key="e_search").input("cloud-ops-in").run()
    found = table(app, "sub-processor chain")
    # A row matches when any cell holds the text: cloud-ops-us lists cloud-ops-in as its sub-processor.
    assert set(found["id"]) == {"cloud-ops-in", "cloud-ops-us"}
    app.text_input(key="e_search").input("").run()
    chain = dict(zip(table(app, "sub-processor chain")["id"],
                     table(app, "sub-processor chain")["sub-processor chain"], strict=True))
    assert chain["cloud-ops-in"] == "cloud-ops-in → cloud-ops-us → cloud-host-jp"


def test_change_log_filters_by_record(open_page: OpenPage, seeded: Service) -> None:
    app = open_page("Change log")
    assert len(table(app, "seq", "actor")) == len(seeded.log())
    app.text_input(key="log_record").input("cloud-ops-us").run()
    log = table(app, "seq", "actor")
    assert set(log["record"]) == {"cloud-ops-us"} and len(log) == len(seeded.log(record="cloud-ops-us"))


def test_exports_page_offers_the_files(open_page: OpenPage) -> None:
    app = open_page("Exports")
    app.selectbox(key="x_format").set_value("csv")
    app.button(key="x_prepare").click().run()
    names = sorted(b.label for b in app.get("download_button"))
    day = AS_OF.isoformat()
    assert names == sorted(f"Download flowreg-{t}-{day}.csv" for t in ("findings", "ropa", "transfers"))
    app.button(key="x_manifest").click().run()
    assert "Download flowreg-manifest.yaml" in [b.label for b in app.get("download_button")]


def test_overview_shows_what_comes_up_and_the_entities_colours_agree(open_page: OpenPage, seeded: Service) -> None:
    day = date(2026, 12, 3)  # the mail provider's contracts end on 2027-02-28, inside the 90 days
    app = open_page("Overview")
    app.sidebar.date_input(key="as_of").set_value(day).run()
    assert not app.exception, [e.value for e in app.exception]
    upcoming = table(app, "day", "renew")
    forecast = seeded.forecast(90, day)
    assert list(upcoming["day"]) == sorted(upcoming["day"])  # earliest first
    assert len(upcoming) == len({(t.day, t.finding.problem) for t in forecast.opening}) > 0
    renewed = {record: opens for cell, opens in zip(upcoming["renew"], upcoming["day"], strict=True)
               for record in str(cell).split(", ")}
    assert {"scc-mail-m2", "uk-addendum-mail"} <= renewed.keys()
    # The trend: a line per severity.
    charts = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    assert any(len(chart["data"]) == 3 and {t["name"] for t in chart["data"]} == {"high", "medium", "low"}
               for chart in charts)
    app.switch_page(PAGES["Entities"]).run()
    safeguards = table(app, "safeguard", "status", "problems open on")
    status = dict(zip(safeguards["safeguard"], safeguards["status"], strict=True))
    opens_on = dict(zip(safeguards["safeguard"], safeguards["problems open on"], strict=True))
    registry = seeded.registry()
    for safeguard in registry.safeguards:  # yellow exactly when it lapses inside the forecast's window
        lapses = safeguard.expires is not None and day < safeguard.expires + timedelta(days=1) <= day + timedelta(
            days=90)
        assert (status[safeguard.id] == EXPIRING) == lapses, safeguard.id
    for record, opens in renewed.items():  # every safeguard Coming up names is yellow, with the same day
        if record in status:
            assert status[record] == EXPIRING and pd.Timestamp(opens_on[record]) == pd.Timestamp(opens), record


def test_what_if_runs_a_prepared_scenario_and_one_from_the_form_and_writes_nothing(
        open_page: OpenPage, seeded: Service) -> None:
    revision = seeded.store.revision()
    app = open_page("What if")
    app.selectbox(key="w_prepared").set_value("The EU-US Data Privacy Framework falls").run()
    app.button(key="w_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    metrics = {m.label: int(m.value) for m in app.metric}
    # f13 already breaks a house rule (no DPA), so losing adequacy changes its problem rather than opening one.
    assert metrics == {"Problems opened": 0, "Problems closed": 0, "Transfers losing a basis": 1,
                       "Without a fallback": 1}
    problems = table(app, "status", "problem")
    assert list(problems["status"]) == ["changed"] and str(problems["problem"][0]).startswith("f13-hq-adtech")
    assert len(app.get("plotly_chart")) == 1  # the map of transfers left without a fallback
    assert sorted(b.label for b in app.get("download_button")) == [
        "Download flowreg-what-if-2027-03-01.xlsx", "Download flowreg-what-if-basis-2027-03-01.csv",
        "Download flowreg-what-if-problems-2027-03-01.csv"]
    # The same change built in the form gives the same result.
    app.radio(key="w_mode").set_value("Build one").run()
    app.date_input(key="w_from").set_value(date(2027, 3, 1)).run()
    app.button(key="w_run").click().run()
    assert {m.label: int(m.value) for m in app.metric}["Problems opened"] == 0  # f13 changes, as above
    # A country that is no code is refused under its field, and nothing breaks.
    app.text_input(key="w_country").input("UK").run()
    app.button(key="w_run").click().run()
    assert not app.exception and any("did you mean 'GB'" in e.value for e in app.error)
    assert not app.metric
    assert seeded.store.revision() == revision
