"""The Policies page on the real app: each house rule with its match, violations and exceptions; a dry run of an
edited rule that writes nothing; saving for dpo and admin only."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from registry.service import Service
from tests.dashboard.conftest import AS_OF

OpenPage = Callable[..., AppTest]
CONTRACT = "service-providers-under-contract"


def click(app: AppTest, key: str) -> None:
    next(b for b in app.button if b.key == key).click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]


def frames(app: AppTest, *columns: str) -> list[pd.DataFrame]:
    """The tables the page shows with these columns (AppTest does not give a table's key)."""
    return [d.value for d in app.dataframe if set(columns) <= set(d.value.columns)]


def test_each_rule_shows_what_it_matches_its_violations_and_exceptions(open_page: OpenPage, seeded: Service) -> None:
    app = open_page("Policies")
    labels = [e.label for e in app.expander]
    assert labels == ["[medium] encryption-in-transit: Personal data is encrypted whenever it is collected or "
                      "transferred (0 open)",
                      f"[high] {CONTRACT}: Service providers receive personal data only under a signed contract "
                      "(1 open)"]
    texts = " ".join(str(m.value) for m in app.markdown)
    assert "received by: processor" in texts and "must have a receiver under a signed DPA" in texts
    [violations] = frames(app, "flow", "finding")  # the only rule with violations
    expected = {f.id for f in seeded.check(AS_OF) if f.rule == f"policy:{CONTRACT}"}
    assert set(violations["finding"]) == expected and list(violations["flow"]) == ["f13-hq-adtech-advertising"]


def test_a_dry_run_of_an_edited_rule_shows_what_would_open_and_writes_nothing(open_page: OpenPage,
                                                                             seeded: Service) -> None:
    revision = seeded.store.revision()
    app = open_page("Policies")
    app.selectbox(key="p_pick").set_value(CONTRACT).run()
    text = app.text_area(key="p_text").value
    assert f"id: {CONTRACT}" in text and "dpa: true" in text
    app.text_area(key="p_text").input(text.replace("    - processor", "    - processor\n    - recipient"))
    app.run()
    click(app, "p_dry")
    # The buyer (f16) is contingent with no day yet: it moves no data, so no rule judges it.
    assert any("2 would open, 0 would close" in str(m.value) for m in app.markdown)
    tables = [sorted(t["flow"]) for t in frames(app, "flow", "finding")]
    assert tables == [["f13-hq-adtech-advertising"], ["f14-hq-authority", "f15-hq-fraud"]]
    assert seeded.store.revision() == revision


def test_a_bad_rule_is_refused_with_its_line_and_field(open_page: OpenPage, seeded: Service) -> None:
    revision = seeded.store.revision()
    app = open_page("Policies")
    app.text_area(key="p_text").input("id: r\ntitle: T\nseverity: high\nsource: s\nmatch:\n  receiver:\n"
                                      "    kinds: [vendor]\nforbid: true\n")
    app.run()
    click(app, "p_dry")
    assert any("nothing was written" in str(e.value) for e in app.error)
    [problems] = frames(app, "line", "field", "problem")
    row = problems.iloc[0]
    assert (row["line"], row["field"]) == (7, "match.receiver.kinds.0") and "'vendor'" in row["problem"]
    assert seeded.store.revision() == revision


def test_a_dpo_saves_a_rule_and_others_only_read(open_page: OpenPage, seeded: Service,
                                                 as_role: Callable[[str], Path]) -> None:
    rule = ("id: no-advertising-abroad\ntitle: Advertising data stays in Japan\nseverity: low\nsource: marketing "
            "office\nmatch:\n  categories: [user.advertising]\ndestinations:\n  allow: [JP]\nexceptions:\n"
            "- flow: f13-hq-adtech-advertising\n  reason: moving to the Tokyo region\n  until: 2026-12-31\n")
    as_role("engineer")
    app = open_page("Policies")
    assert next(b for b in app.button if b.key == "p_save").disabled
    assert any("needs the dpo or admin role" in str(i.value) for i in app.info)
    as_role("dpo")
    app = open_page("Policies")
    app.text_area(key="p_text").input(rule)
    app.run()
    click(app, "p_save")
    assert any("Saved:" in str(s.value) for s in app.success)
    assert [p.id for p in seeded.registry().policies if p.id == "no-advertising-abroad"] == ["no-advertising-abroad"]
    assert seeded.log(record="no-advertising-abroad")[-1].actor == getpass.getuser()
    # f04 to the US company and f10, f11 to the US mailer carry advertising data; f13 is excepted until its day.
    assert "[low] no-advertising-abroad: Advertising data stays in Japan (3 open)" in [e.label for e in app.expander]
    [exceptions] = frames(app, "until", "in force")
    assert [(r["flow"], str(r["until"]), r["in force"]) for _, r in exceptions.iterrows()] == [
        ("f13-hq-adtech-advertising", "2026-12-31", "yes")]
