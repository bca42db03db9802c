"""Register processor: a form over the registry's own models, with its safeguards and flows; problems shown
next to their field in plain words; on save, the findings the new processor introduces (engineer or admin). The
as-of day and the user's role are said where the write happens; the service checks the permission."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, get_args

import pycountry
import streamlit as st

from dashboard import state
from dashboard.registration import GENERAL, FormValues, WidgetKey, problems_by_widget, register
from registry.access import Permission
from registry.errors import InvalidInput, PermissionDenied
from registry.labels import (
    DEROGATION_LETTER_LABELS,
    DPF_LISTS,
    REGIME_LABELS,
    SCC_MODULE_LABELS,
    label,
    regime_label,
    roles_label,
    rule_summary,
)
from registry.model import DerogationLetter, Frequency, SafeguardKind, country_name

MIN_DAY, MAX_DAY = date(1990, 1, 1), date(2100, 12, 31)
COUNTRIES = sorted((c.alpha_2 for c in pycountry.countries), key=country_name)
DIRECTIONS = {"in": "to this processor, from", "out": "from this processor, to"}
# The tick of each DPF list, by the model's field: the form's widget key and its words, naming the regime.
DPF_TICKS = {field: (f"r_p_{field}", f"On the {name} List ({REGIME_LABELS[regime]})")
             for field, (name, regime) in DPF_LISTS.items()}


def country_option(code: str) -> str:
    known = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return f"{country_name(code)} ({code})" if known else code


def with_typed(options: list[str], key: str) -> list[str]:
    """The options plus whatever the user typed into the widget before, so a typed entry stays selectable."""
    current = st.session_state.get(key)
    typed = current if isinstance(current, list) else [current] if isinstance(current, str) else []
    return options + [value for value in typed if value not in options]


def named(ids: Mapping[str, Any]) -> Callable[[str], str]:
    """How a picker shows a record: its name, with the id to copy; a typed id that is not a record, as typed."""
    def show(record_id: str) -> str:
        record = ids.get(record_id)
        return f"{record.name} ({record_id})" if record is not None else record_id
    return show


def problems_at(key: WidgetKey) -> None:
    """The problems of the last save that belong to the widget just drawn."""
    for message in st.session_state.get("r_problems", {}).get(key, []):
        st.error(message, icon="⚠️")


context = state.context()
registry = context.snapshot.registry
entity_ids = sorted(registry.entities)
roles = roles_label(context.user.roles)
st.title("Register processor")
st.caption("Fields marked (optional) may stay empty; the others are needed. The processor is written with its "
           "safeguards and flows, all or nothing.")
if not context.can(Permission.REGISTER):
    st.warning("Registering processors needs the engineer or admin role; the registry will refuse it for yours.")

outcome = st.session_state.pop("r_outcome", None)
if outcome is not None:
    kind, message, introduced = outcome
    (st.success if kind == "saved" else st.error)(message)
    if kind == "saved":
        st.markdown(f"**Findings it introduces as of {context.as_of:%Y-%m-%d}: {len(introduced)}**")
        for finding in introduced:
            under = f" under {regime_label(finding.regime)}" if finding.regime else ""
            st.markdown(f"- **{label(finding.severity)}: {rule_summary(finding.rule)}{under}.** {finding.reason}")
for message in st.session_state.get("r_problems", {}).get(GENERAL, []):
    st.error(message)

counts = st.columns(2)
n_safeguards = counts[0].number_input("New safeguards to register with it", 0, 5, 0, key="r_n_safeguards")
n_flows = counts[1].number_input("Flows to or from it", 0, 10, 1, key="r_n_flows")

with st.form("register"):
    st.subheader("Processor")
    processor: dict[str, Any] = {}
    a, b = st.columns(2)
    with a:
        processor["id"] = st.text_input("Id", key="r_p_id", placeholder="e.g. mail-delivery-eu")
        problems_at(("processor", None, "id"))
    with b:
        processor["name"] = st.text_input("Legal name", key="r_p_name")
        problems_at(("processor", None, "name"))
    a, b = st.columns(2)
    with a:
        processor["country"] = st.selectbox(
            "Country of establishment", with_typed(COUNTRIES, "r_p_country"), index=None, format_func=country_option,
            accept_new_options=True,            placeholder="Choose, or type an ISO code", key="r_p_country")
        problems_at(("processor", None, "country"))
    with b:
        processor["processing_countries"] = st.multiselect(
            "Processing countries (optional: where data is hosted or accessed; empty means the country above)",
            with_typed(COUNTRIES, "r_p_processing"),
            format_func=country_option, accept_new_options=True, key="r_p_processing")
        problems_at(("processor", None, "processing_countries"))
    a, b, c = st.columns(3)
    with a:
        processor["dpa_signed"] = st.date_input("Art. 28 DPA signed on (optional)", value=None, min_value=MIN_DAY,
                                                max_value=MAX_DAY, key="r_p_dpa")
        problems_at(("processor", None, "dpa_signed"))
    with b:
        processor["parent"] = st.selectbox("Sub-processor of (optional)", sorted(registry.processors_by_id),
                                           index=None, format_func=named(registry.processors_by_id),
                                           placeholder="(none)", key="r_p_parent")
        problems_at(("processor", None, "parent"))
    with c:
        processor["source"] = st.text_input("Declared in (optional: the policy section)", key="r_p_source",
                                            placeholder="policy 4-2")
    st.markdown("**Data Privacy Framework** (tick each list the processor is on)")
    for column, (field, (key, words)) in zip(st.columns(len(DPF_TICKS)), DPF_TICKS.items(), strict=True):
        with column:
            processor[field] = st.checkbox(words, key=key)
            problems_at(("processor", None, field))

    safeguards: list[dict[str, Any]] = []
    for i in range(int(n_safeguards)):
        st.subheader(f"Safeguard {i + 1}")
        record: dict[str, Any] = {}
        a, b, c, d = st.columns(4)
        with a:
            record["id"] = st.text_input("Id", key=f"r_s{i}_id")
            problems_at(("safeguards", i, "id"))
        with b:
            record["kind"] = st.selectbox("Kind", [k.value for k in SafeguardKind],
                                          format_func=lambda kind: label(SafeguardKind(kind)), key=f"r_s{i}_kind")
            problems_at(("safeguards", i, "kind"))
        with c:
            record["module"] = st.selectbox("SCC module (2021 SCCs only)", list(SCC_MODULE_LABELS), index=None,
                                            format_func=lambda n: f"Module {n}: {SCC_MODULE_LABELS[n]}",
                                            key=f"r_s{i}_module")
            problems_at(("safeguards", i, "module"))
        with d:
            record["letter"] = st.selectbox("Art. 49 letter (derogations only)", list(get_args(DerogationLetter)),
                                            index=None, format_func=DEROGATION_LETTER_LABELS.__getitem__,
                                            key=f"r_s{i}_letter")
            problems_at(("safeguards", i, "letter"))
        a, b, c = st.columns(3)
        with a:
            record["reference"] = st.text_input("Document (optional)", key=f"r_s{i}_reference")
        with b:
            record["effective"] = st.date_input("Effective (optional)", value=None, min_value=MIN_DAY,
                                                max_value=MAX_DAY, key=f"r_s{i}_effective")
            problems_at(("safeguards", i, "effective"))
        with c:
            record["expires"] = st.date_input("Expires (optional)", value=None, min_value=MIN_DAY, max_value=MAX_DAY,
                                              key=f"r_s{i}_expires")
            problems_at(("safeguards", i, "expires"))
        safeguards.append(record)

    new_safeguards = [str(st.session_state.get(f"r_s{i}_id") or "") for i in range(int(n_safeguards))]
    safeguard_options = sorted(set(registry.safeguards_by_id) | {s for s in new_safeguards if s})
    flows: list[dict[str, Any]] = []
    for i in range(int(n_flows)):
        st.subheader(f"Flow {i + 1}")
        record = {}
        a, b, c = st.columns([1, 1, 2])
        with a:
            record["direction"] = st.radio("Data goes", list(DIRECTIONS), format_func=DIRECTIONS.__getitem__,
                                           key=f"r_f{i}_direction")
        with b:
            record["counterpart"] = st.selectbox("Party", with_typed(entity_ids, f"r_f{i}_counterpart"), index=None,
                                                 accept_new_options=True, format_func=named(registry.entities),
                                                 placeholder="a group company, processor or recipient",
                                                 key=f"r_f{i}_counterpart")
            problems_at(("flows", i, "counterpart"))
        with c:
            record["id"] = st.text_input("Flow id (optional)", key=f"r_f{i}_id",
                                         placeholder="made from the parties and the purpose when left empty")
            problems_at(("flows", i, "id"))
        a, b, c = st.columns(3)
        with a:
            record["subjects"] = st.multiselect("About (data subjects)", sorted(registry.subject_groups_by_id),
                                                format_func=named(registry.subject_groups_by_id),
                                                key=f"r_f{i}_subjects")
            problems_at(("flows", i, "subjects"))
        with b:
            record["categories"] = st.multiselect("Data categories", sorted(registry.categories_by_id),
                                                  format_func=named(registry.categories_by_id),
                                                  key=f"r_f{i}_categories")
            problems_at(("flows", i, "categories"))
        with c:
            record["purpose"] = st.selectbox("Purpose", sorted(registry.purposes_by_id), index=None,
                                             format_func=named(registry.purposes_by_id), key=f"r_f{i}_purpose")
            problems_at(("flows", i, "purpose"))
        a, b, c, d = st.columns(4)
        with a:
            record["safeguards"] = st.multiselect("Safeguards (optional)",
                                                  with_typed(safeguard_options, f"r_f{i}_safeguards"),
                                                  accept_new_options=True,
                                                  key=f"r_f{i}_safeguards")
            problems_at(("flows", i, "safeguards"))
        with b:
            record["frequency"] = st.selectbox("Frequency", [f.value for f in Frequency],
                                               format_func=lambda value: label(Frequency(value)),
                                               key=f"r_f{i}_frequency")
            problems_at(("flows", i, "frequency"))
        with c:
            record["tia"] = st.text_input("Transfer impact assessment (optional)", key=f"r_f{i}_tia")
            record["source"] = st.text_input("Declared in (optional)", key=f"r_f{i}_source", placeholder="policy 4-2")
        with d:
            record["encrypted_in_transit"] = st.checkbox("Encrypted in transit", value=True,
                                                         key=f"r_f{i}_encrypted")
        flows.append(record)
    st.caption(f"Registering as {context.user.user} ({roles}); the findings it introduces are judged as of "
               f"{context.as_of:%Y-%m-%d}, the day chosen in the sidebar. Every change goes into the change log under "
               "your name.")
    submitted = st.form_submit_button("Register", type="primary")

if submitted:
    values = FormValues(processor, safeguards, flows)
    try:
        registration = register(context.service, values, context.as_of)
    except InvalidInput as error:
        st.session_state["r_problems"] = problems_by_widget(error.problems, values)
        st.session_state["r_outcome"] = ("refused", f"Nothing was saved: {len(error.problems)} thing(s) to fix, "
                                         "each shown next to its field.", [])
    except PermissionDenied as error:
        st.session_state["r_problems"] = {}
        st.session_state["r_outcome"] = ("refused", f"Refused: {error}. Nothing was saved.", [])
    else:
        result = registration.result
        st.session_state["r_problems"] = {}
        st.session_state["r_outcome"] = (
            "saved", f"Saved processor {processor['id']}: {result.created} record(s) created, {result.updated} "
                     f"updated (change log: {context.user.user}).", registration.introduced)
    st.rerun()
