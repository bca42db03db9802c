"""House rules as people manage them: each rule in words, its open violations and exceptions, and a trial of edited
rules against the registry before they are saved (the dashboard's Policies page, `flowreg check --policies`).

No Streamlit here: the page calls these through the service. Judging is registry.checks.house_rules'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import yaml

from registry import manifest as manifests
from registry.checks import apply_acknowledgements
from registry.checks.finding import Finding
from registry.checks.house_rules import house_rules, is_house_rule, rule_id
from registry.checks.rule import CheckContext
from registry.errors import InvalidInput, Problem
from registry.labels import party_kind_label, regime_label, safeguard_kind_label, sentence_label
from registry.model import EEA_REGION, AdequateFor, OrganisationTerm, PartyMatch, Policy, Registry, country_name
from registry.reference import Reference
from registry.transfers import TransferAnalyser

# The example a new rule starts from in the editor: small, and valid against any registry.
NEW_RULE = """id: new-rule
title: What the rule promises, in a few words
severity: medium
source: policy section or owner
match:
  cross_border: true
require:
  encrypted_in_transit: true
"""


def describe_party(match: PartyMatch) -> str:
    parts = []
    if match.kinds:
        parts.append(" or ".join(party_kind_label(kind) for kind in match.kinds))
    if match.roles:
        parts.append("acting as " + " or ".join(sentence_label(role) for role in match.roles))
    if match.countries:
        parts.append("processing in " + ", ".join("the EEA" if c == EEA_REGION else country_name(c)
                                                  for c in match.countries))
    if match.entities:
        parts.append("one of " + ", ".join(match.entities))
    return ", ".join(parts)


def describe_match(policy: Policy) -> list[str]:
    """What the rule selects, one condition a line; every condition must hold."""
    match = policy.match
    lines = []
    if match.categories:
        lines.append("carries " + ", ".join(match.categories) + " (or a category below or above one)")
    if match.sensitivities:
        lines.append("carries " + " or ".join(sentence_label(s) for s in match.sensitivities) + " data")
    if match.subjects:
        lines.append("about " + ", ".join(match.subjects))
    if match.purposes:
        lines.append("for " + ", ".join(match.purposes))
    if match.sender != PartyMatch():
        lines.append("sent by: " + describe_party(match.sender))
    if match.receiver != PartyMatch():
        lines.append("received by: " + describe_party(match.receiver))
    if match.regimes:
        lines.append("judged by " + " or ".join(regime_label(r) for r in match.regimes))
    if match.cross_border is not None:
        lines.append("crossing a border" if match.cross_border else "staying where the sender processes data")
    return lines or ["every flow"]


def describe_effect(policy: Policy) -> str:
    """What the rule asks of the flows it selects."""
    if policy.forbid:
        return "forbidden"
    if policy.destinations is not None:
        terms = [f"countries adequate for {regime_label(t.adequate_for)}" if isinstance(t, AdequateFor)
                 else f"international organisation {t.international_organisation}" if isinstance(t, OrganisationTerm)
                 else t for t in policy.destinations.allow]
        return "processed only in " + ", ".join(terms)
    require = policy.require
    assert require is not None
    wanted = []
    if require.dpa:
        wanted.append("a receiver under a signed DPA")
    if require.encrypted_in_transit:
        wanted.append("encryption in transit")
    if require.tia:
        wanted.append("a transfer impact assessment")
    if require.safeguard_kinds:
        wanted.append("a " + " or ".join(safeguard_kind_label(k.value) for k in require.safeguard_kinds) + " in force")
    if require.max_retention:
        wanted.append(f"retention of at most {require.max_retention}")
    if require.max_chain_depth:
        wanted.append(f"a receiver at most {require.max_chain_depth} level(s) down a chain of sub-processing")
    return "must have " + ", ".join(wanted)


@dataclass(frozen=True)
class ExceptionView:
    flow: str
    reason: str
    until: date
    in_force: bool  # on the day judged; after `until` the flow is judged again


@dataclass(frozen=True)
class PolicyView:
    """One house rule as the Policies page shows it."""

    policy: Policy
    rule: str  # its id in findings: policy:<id>
    matches: list[str]
    effect: str
    violations: list[Finding]  # its findings on the day, open first
    exceptions: list[ExceptionView]

    @property
    def open(self) -> list[Finding]:
        return [f for f in self.violations if not f.acknowledged]


def overview(registry: Registry, findings: Iterable[Finding], as_of: date) -> list[PolicyView]:
    """Every house rule of the registry, in id order, with its findings among `findings` (the day's check)."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        if is_house_rule(finding.rule):
            by_rule.setdefault(finding.rule, []).append(finding)
    views = []
    for policy in sorted(registry.policies, key=lambda p: p.id):
        found = sorted(by_rule.get(rule_id(policy.id), []), key=lambda f: (f.acknowledged, f.problem, f.id))
        views.append(PolicyView(
            policy, rule_id(policy.id), describe_match(policy), describe_effect(policy), found,
            [ExceptionView(e.flow, e.reason, e.until, as_of <= e.until) for e in policy.exceptions]))
    return views


def upserted(registry: Registry, policies: Iterable[Policy]) -> Registry:
    """`registry` with `policies` stored (upserted by id); their references are the caller's to have checked."""
    return registry.with_changes({"policies": list(policies)}, {})


@dataclass(frozen=True)
class Trial:
    """The findings as they would be with some house rules stored; nothing is written."""

    registry: Registry  # the registry with the tried rules
    findings: list[Finding]  # every finding: the legal ones as they are, the house rules judged again
    tried: list[str]  # the tried rules' ids (policy:<id>)
    opened: list[Finding]  # findings of the tried rules that the stored rules of the same ids do not have
    closed: list[Finding]  # findings of the stored rules of the same ids that the tried rules no longer have

    def of_tried(self) -> list[Finding]:
        return [f for f in self.findings if f.rule in self.tried]


def trial(registry: Registry, policies: Sequence[Policy], findings: Sequence[Finding], reference: Reference,
          as_of: date, *, analyser: TransferAnalyser | None = None) -> Trial:
    """Judge `registry` as if `policies` were stored, from its current `findings` on the day: house rules change no
    legal finding, so only the house rules are judged again (with the day's transfer analysis, when given: house
    rules change nothing it depends on)."""
    tried_registry = upserted(registry, policies)
    context = CheckContext(tried_registry, reference, as_of)
    if analyser is not None:
        context.analyser = analyser
    judged = [finding for rule in house_rules(tried_registry) for finding in rule.evaluate(context)]
    house = apply_acknowledgements(judged, tried_registry.acknowledgements, as_of)
    every = sorted([*(f for f in findings if not is_house_rule(f.rule)), *house], key=lambda f: f.sort_key)
    tried = [rule_id(p.id) for p in policies]
    before = {f.id: f for f in findings if f.rule in tried}
    after = {f.id: f for f in house if f.rule in tried}
    return Trial(tried_registry, every, tried, [f for i, f in after.items() if i not in before],
                 [f for i, f in before.items() if i not in after])


def parse_rules(text: str, file: str = "edited rule") -> manifests.Manifest:
    """House rules typed in an editor: one rule, a list of rules, or a policies file; refused like a policies file,
    naming the line and field."""
    manifest = manifests.parse_policies(text.encode("utf-8"), file)
    if not manifest.fragment.policies and not manifest.problems:
        raise InvalidInput([Problem("no house rule given: write one rule (id, title, severity, source, match and "
                                    "one of forbid, destinations or require)", file=file)],
                           summary=f"invalid {file}")
    return manifest


def rule_text(policy: Policy) -> str:
    """One rule as YAML for the editor, in the manifest's form (defaults left out)."""
    document = policy.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude_none=True)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def legacy_promise_warning(registry: Registry) -> str | None:
    """What `check` says when the organisation still sets the old encryption promise that no rule judges now."""
    organisation = registry.organisation
    if organisation is None or not organisation.promises_encryption_in_transit:
        return None
    if any(p.require is not None and p.require.encrypted_in_transit for p in registry.policies):
        return None
    return ("organisation.promises_encryption_in_transit is judged by no rule now: write the promise as a house "
            "rule (policies: require: {encrypted_in_transit: true}; README, \"House rules\")")


__all__ = ["NEW_RULE", "PolicyView", "Trial", "describe_effect", "describe_match", "legacy_promise_warning",
           "overview", "parse_rules", "rule_text", "trial", "upserted"]
