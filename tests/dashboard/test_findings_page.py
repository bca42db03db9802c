"""The Findings page of the real app on the seed (Streamlit AppTest): a row per problem, filters from widgets
and from a link's query parameters, the detail (chain, tools with dates, fix) and the acknowledge form."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from registry.checks.finding import Finding
from registry.checks.problems import group_problems
from registry.labels import regime_label
from registry.service import Service, today
from tests.dashboard.conftest import APP, PAGES

DAY = date(2026, 12, 2)  # the seed then: 6 problems, 13 findings
ONWARD_HOP = "f09-ops-us-ops-in-campaign"
Open = Callable[..., AppTest]


@pytest.fixture
def open_findings(store_path: Path) -> Open:
    def open_(day: date = DAY, **query: str) -> AppTest:
        """The Findings page as of `day`, reached by a link with `query`."""
        app = AppTest.from_file(APP, default_timeout=60)
        app.run()
        app.sidebar.date_input(key="as_of").set_value(day)
        for name, value in query.items():
            app.query_params[name] = value
        app.switch_page(PAGES["Findings"])
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return open_


def listed(app: AppTest) -> list[str]:
    """The problems the page lists, in order (each row's Details button is keyed by its record)."""
    return [str(b.key).removeprefix("f_open_") for b in app.button if str(b.key).startswith("f_open_")]


def page_text(app: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "header", "subheader", "title", "info", "warning",
                                       "success", "error") for e in getattr(app, kind)]
    parts += [str(o) for s in app.selectbox for o in s.options] + [str(b.label) for b in app.button]
    return "\n".join(parts)


def problems_of(findings: list[Finding], seeded: Service) -> list[str]:
    return [p.id for p in group_problems(findings, seeded.registry())]


def test_one_row_per_problem_with_parties_regimes_and_state(open_findings: Open, seeded: Service) -> None:
    findings = seeded.check(DAY)
    problems = group_problems(findings, seeded.registry())
    assert (len(problems), len(findings)) == (6, 13)
    app = open_findings()
    assert listed(app) == [p.id for p in problems]
    assert "**6** problem(s) match (13 finding(s)" in page_text(app)
    rows = [m.value for m in app.markdown if str(m.value).startswith(":")]
    assert len(rows) == 6
    onward = next(r for r in rows if "Follow-the-sun operations centre" in r)
    assert ("**Cloud provider's US operations affiliate (example), United States → Follow-the-sun operations "
            "centre, India (example)**") in onward
    assert all(f":gray-badge[{regime_label(r)}]" in onward for r in ("gdpr", "uk_gdpr", "ch_fadp", "jp_appi"))
    assert onward.startswith(":red-badge[High]") and ":gray-badge[Open]" in onward
    assert ONWARD_HOP not in onward  # ids only where one is copied: the detail's caption
    house = next(r for r in rows if "Breaks house rule" in r)
    assert ":violet-badge[House rule]" in house and "regime" not in house.lower()
    # The seed's change log starts after DAY: no age can be known, and the page says so in words.
    assert all("age not recorded" in r for r in rows)
    text = page_text(app)
    for bad in ("None", "nan", "— -", "NaT"):
        assert bad not in text


def test_ages_come_from_the_change_log(open_findings: Open) -> None:
    app = open_findings(today())  # the store was seeded just now: every problem is as old as the log
    rows = [m.value for m in app.markdown if str(m.value).startswith(":")]
    assert rows and all(r.endswith("· open since the change log began today") for r in rows)
    assert app.toggle(key="f_ages").value
    app.toggle(key="f_ages").set_value(False).run()
    assert not any("open since" in str(m.value) for m in app.markdown)


def test_the_detail_shows_the_chain_the_tools_with_dates_and_the_fix(open_findings: Open, seeded: Service) -> None:
    app = open_findings(problem=ONWARD_HOP)
    assert app.selectbox(key="f_problem").value == ONWARD_HOP
    (chart,) = app.get("graphviz_chart")
    dot = chart.proto.spec
    assert '"cloud-ops-us" -> "cloud-ops-in" [style=dashed' in dot and '"rakuten-group-inc" -> "cloud-host-jp";' in dot
    assert any(str(c.value).startswith("Rakuten Group, Inc. (Japan) → Cloud hosting provider, Japan region (example) "
                                       "(Japan) → Cloud provider's US operations affiliate (example) (United States) "
                                       "→ ⚠ Follow-the-sun operations centre") for c in app.caption)
    text = page_text(app)
    hop = [f for f in seeded.check(DAY) if f.problem == ONWARD_HOP]
    assert len(hop) == 4 and "No transfer tool is recorded for these flows." in text
    for finding in hop:  # a fix per regime (each names its own tool); the reference under each regime
        assert f"**{regime_label(finding.regime)}:** {finding.fix}" in text
        assert f"{regime_label(finding.regime)}: {finding.reference}" in text
    # The same sentence under four laws is said once, naming them all.
    assert text.count("India has no adequacy decision under") == 1
    assert "India has no adequacy decision under EU/EEA GDPR, UK GDPR, Swiss FADP, Japan APPI," in text

    app = open_findings(problem="f12-hq-support-inquiries")
    text = page_text(app)
    assert ("**pre-2021 standard contractual clauses** (contracts/support-bpo-ph-scc-2019.pdf): in force from "
            "2019-06-01, no end date recorded; expired under EU/EEA GDPR") in text
    assert "**2021 EU standard contractual clauses" not in text
    (fix,) = {f.fix for f in seeded.check(DAY) if f.problem == "f12-hq-support-inquiries"}
    assert fix in [m.value for m in app.markdown]


def test_a_links_query_parameters_set_the_filters(open_findings: Open, seeded: Service) -> None:
    findings = seeded.check(DAY)
    app = open_findings(severity="medium", regime="gdpr", ack="open")
    assert app.multiselect(key="f_severity").value == ["medium"]
    assert app.multiselect(key="f_regime").value == ["gdpr"] and app.radio(key="f_ack").value == "Open"
    assert listed(app) == problems_of([f for f in findings if f.severity.value == "medium" and f.regime == "gdpr"],
                                      seeded) == ["f15-hq-fraud"]

    app = open_findings(flow=ONWARD_HOP)  # what the Transfers map sends for one hop
    assert listed(app) == [ONWARD_HOP]
    app.button(key="f_all_records").click().run()
    assert len(listed(app)) == 6

    app = open_findings(severity="high,unheard-of", rule="tia-missing")
    assert "severity unheard-of" in app.warning[0].value
    assert listed(app) == []
    assert "No problem matches these filters." in page_text(app)


def test_the_widgets_filter_and_the_address_follows(open_findings: Open, seeded: Service) -> None:
    findings = seeded.check(DAY)
    app = open_findings()
    app.multiselect(key="f_severity").set_value(["medium"]).run()
    assert listed(app) == problems_of([f for f in findings if f.severity.value == "medium"], seeded)
    assert app.query_params["severity"] == "medium"
    app.multiselect(key="f_severity").set_value([]).run()
    app.multiselect(key="f_country").set_value(["IN"]).run()
    assert listed(app) == [ONWARD_HOP]
    app.multiselect(key="f_country").set_value([]).run()
    app.radio(key="f_ack").set_value("Acknowledged").run()
    assert listed(app) == []


def test_acknowledging_a_problem_writes_each_finding_through_the_service(open_findings: Open,
                                                                         seeded: Service) -> None:
    app = open_findings(problem="f15-hq-fraud")
    targets = [f.id for f in seeded.check(DAY) if f.problem == "f15-hq-fraud"]
    assert sorted(app.multiselect(key="ack-which-f15-hq-fraud").value) == sorted(targets)
    app.text_input(key="ack-reason-f15-hq-fraud").input("TIA under way with the vendor")
    app.button(key="FormSubmitter:ack-f15-hq-fraud-Acknowledge").click().run()
    assert not app.exception and not app.error
    after = {f.id: f for f in seeded.check(DAY)}
    assert all(after[t].acknowledged and after[t].acknowledgement.reason == "TIA under way with the vendor"
               for t in targets)
    assert seeded.log(record=targets[0])[-1].actor == getpass.getuser()
    app.radio(key="f_ack").set_value("Acknowledged").run()
    assert listed(app) == ["f15-hq-fraud"]
    assert ":green-badge[Acknowledged]" in page_text(app)


def test_a_viewer_is_refused_by_the_service(open_findings: Open, seeded: Service,
                                            as_role: Callable[[str], Path]) -> None:
    as_role("viewer")
    app = open_findings(problem="f15-hq-fraud")
    app.text_input(key="ack-reason-f15-hq-fraud").input("not mine to accept")
    app.button(key="FormSubmitter:ack-f15-hq-fraud-Acknowledge").click().run()
    assert app.error and not any(f.acknowledged for f in seeded.check(DAY))


def test_overview_bars_link_to_the_findings_they_count(open_findings: Open, open_page: Callable[..., AppTest],
                                                       seeded: Service) -> None:
    overview = open_page("Overview")
    overview.sidebar.date_input(key="as_of").set_value(DAY).run()
    links = {link.value: parse_qs(link.proto.query_string) for link in overview.page_link
             if link.proto.page == "findings"}
    assert links["High: 4 →"] == {"severity": ["high"], "ack": ["open"]}
    assert links["No valid transfer tool: 1 →"] == {"rule": ["transfer-without-safeguard"], "ack": ["open"]}
    for label, query in links.items():
        app = open_findings(**{name: values[0] for name, values in query.items()})
        assert len(listed(app)) == int(label.split(": ")[1].removesuffix(" →")), label
