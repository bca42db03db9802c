"""The Register processor page on the real app: field-level refusals, a good processor end to end, roles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.registration import FormValues, build_fragment, problems_by_widget
from registry.errors import InvalidInput
from registry.labels import rule_summary
from registry.service import Service
from tests.dashboard.conftest import AS_OF, PAGES

OpenPage = Callable[..., AppTest]


def open_form(open_page: OpenPage, *, country: str = "IN", counterpart: str = "rakuten-group-inc") -> AppTest:
    # What a user types into a picker (accept_new_options) goes in through session state before the page
    # first draws: AppTest can only pick among the options a page has already drawn.
    return open_page("Register processor", r_p_country=country, r_f0_counterpart=counterpart)


def fill_processor(app: AppTest) -> AppTest:
    """A payroll processor receiving contact data from the group's HQ, with no safeguard or DPA."""
    app.text_input(key="r_p_id").input("payroll-in")
    app.text_input(key="r_p_name").input("Payroll Services India Pvt Ltd")
    app.multiselect(key="r_f0_subjects").set_value(["entrants-europe"])
    app.multiselect(key="r_f0_categories").set_value(["user.contact.email"])
    app.selectbox(key="r_f0_purpose").set_value("campaign")
    app.text_input(key="r_f0_source").input("policy 4-2")
    submit(app)
    assert not app.exception, [e.value for e in app.exception]
    return app


def submit(app: AppTest) -> None:
    next(b for b in app.button if b.label == "Register").click()
    app.run()


def column_of(app: AppTest, key: str) -> Any:
    """The form column that holds the widget with this key: where its problems must show."""
    return next(column for column in app.columns if any(w.key == key for w in column.selectbox))


def errors(app: AppTest) -> list[str]:
    return [str(e.value) for e in app.error]


def test_seed_has_the_ids_the_form_uses(seeded: Service) -> None:
    registry = seeded.registry()
    assert "rakuten-group-inc" in registry.entities and "entrants-europe" in registry.subject_groups_by_id
    assert "campaign" in registry.purposes_by_id and "user.contact.email" in registry.categories_by_id


def test_a_bad_country_is_refused_next_to_the_field(open_page: OpenPage, seeded: Service) -> None:
    revision = seeded.store.revision()
    app = fill_processor(open_form(open_page, country="UK"))
    assert any("did you mean 'GB'" in message for message in errors(app))
    country_column = column_of(app, "r_p_country")
    assert any("did you mean 'GB'" in str(e.value) for e in country_column.error)
    assert seeded.store.revision() == revision and "payroll-in" not in seeded.registry().entities


def test_a_dangling_reference_is_refused_next_to_the_field(open_page: OpenPage, seeded: Service) -> None:
    revision = seeded.store.revision()
    app = fill_processor(open_form(open_page, counterpart="nobody"))
    party_column = column_of(app, "r_f0_counterpart")
    assert any("'nobody' is not a known group company, processor or recipient id" in str(e.value)
               for e in party_column.error)
    assert any("Nothing was saved" in message for message in errors(app))
    assert seeded.store.revision() == revision and "payroll-in" not in seeded.registry().entities


def test_a_good_processor_is_saved_and_shows_its_findings(open_page: OpenPage, seeded: Service) -> None:
    before = {f.id for f in seeded.check(AS_OF)}
    app = fill_processor(open_form(open_page))
    assert not errors(app)
    assert any("Saved processor payroll-in" in str(s.value) for s in app.success)
    registry = seeded.registry()
    assert "payroll-in" in registry.processors_by_id
    introduced = [f for f in seeded.check(AS_OF) if f.id not in before]
    rules = {f.rule for f in introduced}
    assert {"transfer-without-safeguard", "processor-without-dpa"} <= rules
    shown = "\n".join(str(m.value) for m in app.markdown)
    assert f"Findings it introduces as of {AS_OF}: {len(introduced)}" in shown
    assert all(f.reason in shown for f in introduced)
    import getpass
    assert {c.actor for c in seeded.log(record="payroll-in")} == {getpass.getuser()}

    app.switch_page(PAGES["Entities"]).run()
    assert any("payroll-in" in set(frame.value.get("id", [])) for frame in app.dataframe)
    app.switch_page(PAGES["Findings"]).run()
    app.multiselect(key="f_entity").set_value(["payroll-in"]).run()
    # The page lists a row per problem (the record at fault), each saying what is wrong in the rules' words.
    listed = {str(b.key).removeprefix("f_open_") for b in app.button if str(b.key).startswith("f_open_")}
    assert listed >= {f.problem or f.id for f in introduced}
    rows = "\n".join(str(m.value) for m in app.markdown).lower()
    assert all(rule_summary(rule).lower() in rows for rule in rules)


def test_a_viewer_is_refused_and_nothing_is_written(open_page: OpenPage, seeded: Service,
                                                    as_role: Callable[[str], Path]) -> None:
    as_role("viewer")
    revision = seeded.store.revision()
    app = open_form(open_page)
    assert any("(viewer)" in str(c.value) for c in app.sidebar.caption)
    assert any("needs the engineer or admin role" in str(w.value) for w in app.warning)
    fill_processor(app)
    assert any("Refused:" in message and "may not change the registry" in message for message in errors(app))
    assert seeded.store.revision() == revision and "payroll-in" not in seeded.registry().entities

    app.switch_page(PAGES["Findings"]).run()
    target = seeded.check(AS_OF)[0]
    problem = target.problem or target.id  # the page acknowledges a problem's findings in one form
    app.selectbox(key="f_problem").set_value(problem).run()
    app.text_input(key=f"ack-reason-{problem}").input("no")
    app.button(key=f"FormSubmitter:ack-{problem}-Acknowledge").click()
    app.run()
    assert any("may not acknowledge findings" in str(e.value) for e in app.error)
    assert seeded.store.revision() == revision

    app.switch_page(PAGES["Exports"]).run()
    app.button(key="x_prepare").click().run()
    assert any("may not export" in str(e.value) for e in app.error) and not app.get("download_button")


def test_an_engineer_registers_but_may_not_export(open_page: OpenPage, seeded: Service,
                                                  as_role: Callable[[str], Path]) -> None:
    as_role("engineer")
    app = fill_processor(open_form(open_page))
    assert "payroll-in" in seeded.registry().entities
    app.switch_page(PAGES["Exports"]).run()
    app.button(key="x_manifest").click().run()
    assert any("may not export" in str(e.value) for e in app.error)


LIBRARY_PHRASES = ("required key", "String should", "Input should", "List should", "Field required", "Value error")


def test_the_empty_form_says_what_to_do_in_plain_words_and_writes_nothing(open_page: OpenPage,
                                                                            seeded: Service) -> None:
    revision = seeded.store.revision()
    app = open_page("Register processor")
    submit(app)
    assert not app.exception, [e.value for e in app.exception]
    shown = errors(app)
    assert not [m for m in shown if any(phrase in m for phrase in LIBRARY_PHRASES)], shown
    id_column = next(c for c in app.columns if any(w.key == "r_p_id" for w in c.text_input))
    assert [str(e.value) for e in id_column.error] == [
        "Give the processor an id: lowercase letters, digits, dots, dashes or underscores, starting with a letter "
        "or digit (e.g. mail-delivery-eu)."]
    for key, words in (("r_p_country", "country"), ("r_f0_counterpart", "party"), ("r_f0_purpose", "purpose")):
        assert any(words in str(e.value).lower() for e in column_of(app, key).error), key
    # The flow id is optional: nothing is said about it.
    flow_id_column = next(c for c in app.columns if any(w.key == "r_f0_id" for w in c.text_input))
    assert not flow_id_column.error
    assert any("Nothing was saved" in message for message in shown)
    assert seeded.store.revision() == revision


def test_a_bad_id_names_the_field_once(open_page: OpenPage, seeded: Service) -> None:
    app = open_form(open_page)
    app.text_input(key="r_p_id").input("Payroll IN")
    app.text_input(key="r_p_name").input("Payroll Services India Pvt Ltd")
    submit(app)
    id_column = next(c for c in app.columns if any(w.key == "r_p_id" for w in c.text_input))
    messages = [str(e.value) for e in id_column.error]
    assert len(messages) == 1, messages
    assert messages[0].startswith("Id: 'Payroll IN' is not an id") and "'payroll-in'" in messages[0]


def test_each_dpf_list_is_its_own_tick_and_the_uk_extension_is_stored(open_page: OpenPage, seeded: Service) -> None:
    app = open_form(open_page)
    ticks = {box.key: box.label for box in app.checkbox if box.key and box.key.startswith("r_p_dpf")}
    assert ticks == {"r_p_dpf_certified": "On the EU-US Data Privacy Framework List (EU/EEA GDPR)",
                     "r_p_dpf_uk_extension": "On the UK Extension to the EU-US DPF List (UK GDPR)",
                     "r_p_dpf_swiss": "On the Swiss-US Data Privacy Framework List (Swiss FADP)"}
    app.checkbox(key="r_p_dpf_uk_extension").check()
    fill_processor(app)
    stored = seeded.registry().processors_by_id["payroll-in"]
    assert stored.dpf_uk_extension and not stored.dpf_certified and not stored.dpf_swiss


def test_the_form_says_the_day_and_the_role_it_writes_with(open_page: OpenPage,
                                                           as_role: Callable[[str], Path]) -> None:
    as_role("engineer")
    app = open_form(open_page)
    captions = [str(c.value) for c in app.caption]
    assert any(f"as of {AS_OF}" in c and "(Engineer)" in c for c in captions), captions


def test_every_problem_the_models_word_for_a_manifest_reaches_the_form_named_and_plain() -> None:
    values = FormValues(
        processor={"id": "p1", "name": "x" * 1001, "country": "JP", "dpa_signed": None},
        safeguards=[{"id": "s1", "kind": "scc_2021", "module": None}],
        flows=[{"direction": "out", "counterpart": "hq", "subjects": ["s"], "categories": ["c"], "purpose": "p",
                "frequency": "sometimes"}])
    with pytest.raises(InvalidInput) as error:
        build_fragment(values)
    placed = problems_by_widget(error.value.problems, values)
    messages = [m for listed in placed.values() for m in listed]
    assert not [m for m in messages if any(phrase in m for phrase in LIBRARY_PHRASES)], messages
    assert placed[("processor", None, "name")] == ["Legal name: too long: at most 1000 characters."]
    assert placed[("flows", 0, "frequency")][0].startswith("Frequency: choose one of the offered values")
    assert placed[("safeguards", 0, "module")][0].startswith("SCC module: ")
    # The flow id was left empty: it is made up, and never itself a problem.
    assert ("flows", 0, "id") not in placed
