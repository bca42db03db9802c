"""Findings rendered for people (text), scripts (JSON, a stable shape) and code-scanning UIs (SARIF 2.1.0)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from importlib import metadata
from json.encoder import encode_basestring

from registry.checks.finding import Finding, Severity
from registry.checks.problems import Problem, group_problems
from registry.collector import collector_paused
from registry.labels import regime_label
from registry.model import Registry
from registry.terminal import printable

EVIDENCE_KEYS = ("flows", "path", "safeguards", "countries", "categories", "entities", "purposes")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}


def finding_document(finding: Finding) -> dict[str, object]:
    document: dict[str, object] = {
        "id": finding.id, "rule": finding.rule, "severity": finding.severity.value, "regime": finding.regime,
        "reference": finding.reference, "reason": finding.reason, "fix": finding.fix,
        "evidence": {key: getattr(finding.evidence, key) for key in EVIDENCE_KEYS},
        "problem": finding.problem, "acknowledged": finding.acknowledged,
    }
    if finding.acknowledgement is not None:
        document["acknowledgement"] = finding.acknowledgement.model_dump(mode="json", exclude_none=True)
    return document


def findings_json(findings: Sequence[Finding], as_of: date, more: Mapping[str, object] | None = None) -> str:
    """`{"as_of", "findings"}` and then `more`'s keys, as json.dumps(indent=2, ensure_ascii=False) writes them.

    Written finding by finding from its fixed shape: with an indent, json.dumps runs its pure-Python encoder, and a
    report of 30,000 findings took it two seconds (`check --format json` then read it back to add a key)."""
    listed = "[\n" + ",\n".join([_finding_json(finding) for finding in findings]) + "\n  ]" if findings else "[]"
    tail = "".join(f",\n  {_string(key)}: {_indented(value, '  ')}" for key, value in (more or {}).items())
    return f'{{\n  "as_of": {_string(as_of.isoformat())},\n  "findings": {listed}{tail}\n}}\n'


# What json.dumps(ensure_ascii=False) writes for a string: the C encoder's own function.
_string = encode_basestring


def _indented(value: object, prefix: str) -> str:
    """`value` as json.dumps(indent=2) writes it nested under `prefix`: a line break never occurs inside a JSON
    string (it is escaped), so every one starts a line of the document."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + prefix)


def _strings(values: Sequence[str]) -> str:
    """An evidence list at its depth in a report (a finding's evidence, in the findings list)."""
    if not values:
        return "[]"
    return "[\n          " + ",\n          ".join(map(_string, values)) + "\n        ]"


def _finding_json(finding: Finding) -> str:
    """finding_document(finding) at its depth in a report's findings list."""
    if finding.acknowledgement is not None:  # rare, and of a shape of its own: the general encoder
        return "    " + _indented(finding_document(finding), "    ")
    evidence = finding.evidence.__dict__
    lists = ",\n".join([f'        "{key}": {_strings(evidence[key])}' for key in EVIDENCE_KEYS])
    regime = "null" if finding.regime is None else _string(finding.regime)
    return (f'    {{\n      "id": {_string(finding.id)},\n      "rule": {_string(finding.rule)},\n'
            f'      "severity": {_string(finding.severity.value)},\n      "regime": {regime},\n'
            f'      "reference": {_string(finding.reference)},\n      "reason": {_string(finding.reason)},\n'
            f'      "fix": {_string(finding.fix)},\n      "evidence": {{\n{lists}\n      }},\n'
            f'      "problem": {_string(finding.problem)},\n'
            f'      "acknowledged": {"true" if finding.acknowledged else "false"}\n    }}')


def headline(findings: Sequence[Finding]) -> str:
    """"6 problems (12 findings: 8 high, 4 medium)": problems are the records at fault, findings their verdicts
    under each regime."""
    counts = Counter(f.severity for f in findings)
    problems = len({f.problem or f.id for f in findings})
    acknowledged = sum(f.acknowledged for f in findings)
    plural = {1: ""}
    return (f"{problems} problem{plural.get(problems, 's')} ({len(findings)} finding{plural.get(len(findings), 's')}: "
            + ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s])
            + (f"; {acknowledged} acknowledged" if acknowledged else "") + ")")


def finding_name(finding: Finding) -> str:
    """How text output names one finding: its id, which starts with its rule and is what `ack` takes, then the
    regime that judges it ("transfer-without-safeguard:5a68cbdd9695 [EU/EEA GDPR]")."""
    return f"{finding.id} [{regime_label(finding.regime)}]" if finding.regime else finding.id


# Grouping and writing allocate object after object (problems, their findings' tuples, the blocks) and keep them all
# until the report is joined: at size L (164,149 findings) the cyclic collector's passes over them were a third of
# writing the report (3.3 s, 2.2 s with it paused).
@collector_paused()
def render_text(findings: Sequence[Finding], as_of: date, registry: Registry | None = None) -> str:
    """One block per problem (the record at fault, what is wrong and under which regimes), then its findings."""
    if not findings:
        return f"as of {as_of}: no findings\n"
    problems = group_problems(findings, registry)
    text, lines = _text_report(findings, problems, as_of, str)
    # Every line is escaped: reasons quote stored ids and names, and an acknowledgement's reason is free text
    # whose newline must not start a line that passes for another finding. A report whose every line is printable
    # as it is (no control or bidi character: the usual case, tested in C over the whole text) is its own escape;
    # else each value is escaped, which escapes each line as `printable` would (it escapes character by character).
    if text.count("\n") == lines and text.replace("\n", "").isprintable():
        return text
    return _text_report(findings, problems, as_of, printable)[0]


def _text_report(findings: Sequence[Finding], problems: list[Problem], as_of: date,
                 escape: Callable[[str], str]) -> tuple[str, int]:
    """render_text's report with `escape` applied to every value it quotes, and the count of its lines.

    A finding's lines are written as one string: at size M the 31,779 findings of a fresh `flowreg check` make
    190,000 lines, and a list entry per line was a third of writing the report."""
    blocks = [f"as of {as_of}: {headline(findings)}"]
    add = blocks.append
    lines = 1
    # A problem's summary depends only on its findings' rules and regimes, in order: at size M 13,294 problems
    # share a few hundred summaries.
    summaries: dict[tuple[tuple[str, str | None], ...], str] = {}
    regimes: dict[str | None, str] = {None: ""}  # a finding's name after its id: " [EU/EEA GDPR]"
    for problem in problems:
        in_order = problem.findings
        judged = tuple([(finding.rule, finding.regime) for finding in in_order])
        summary = summaries.get(judged)
        if summary is None:
            summary = summaries[judged] = escape(problem.summary)
        add(f"\n{problem.severity.value.upper():6} {escape(problem.label)}: {summary}")
        lines += 2
        for finding in in_order:
            regime = finding.regime
            named = regimes.get(regime)
            if named is None:
                named = regimes[regime] = f" [{escape(regime_label(regime))}]" if regime else ""
            path = finding.evidence.path
            acknowledgement = finding.acknowledgement
            add(f"  - {escape(finding.id)}{named}{' [acknowledged]' if finding.acknowledged else ''}\n"
                f"    {escape(finding.reason)}\n    reference: {escape(finding.reference)}\n"
                + (f"    path: {escape(' -> '.join(path))}\n" if path else "")
                + f"    fix: {escape(finding.fix)}")
            lines += 5 if path else 4
            if acknowledgement is not None:
                until = f" until {acknowledgement.until}" if acknowledgement.until else ""
                add(f"    acknowledged{until}: {escape(acknowledgement.reason)}")
                lines += 1
    return "\n".join(blocks) + "\n", lines


def _version() -> str:
    try:
        return metadata.version("flowreg")
    except metadata.PackageNotFoundError:
        return "0+unknown"


# A result is a dozen dicts and lists, all kept until the document is written: at size M (31,788 results) the
# cyclic collector's passes over them took 0.7-1.4 s of the 2.2 s building them.
@collector_paused()
def render_sarif(findings: Sequence[Finding], as_of: date, artifact: str,
                 record_lines: dict[str, int] | None = None, registry: Registry | None = None, *,
                 invocation_properties: Mapping[str, object] | None = None,
                 notifications: Sequence[Mapping[str, object]] = ()) -> str:
    """SARIF 2.1.0: one run, the rules as reportingDescriptors, a result per finding located at the record.
    `registry` adds its house rules to the legal ones; `invocation_properties` go into the invocation's
    properties after `asOf`, and `notifications` (SARIF notification objects) into its
    toolExecutionNotifications."""
    # The catalogue imports this module's siblings, not the other way.
    from registry.checks import RULES, catalogue

    lines = record_lines or {}
    catalogued = catalogue(registry) if registry is not None else RULES
    rules = [{
        "id": rule.id, "name": rule.id.replace("-", " "),
        "shortDescription": {"text": rule.title}, "fullDescription": {"text": f"{rule.title} ({rule.reference})"},
        "help": {"text": rule.fix}, **({"helpUri": rule.help_uri} if rule.help_uri else {}),
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"reference": rule.reference, "severity": rule.severity.value},
    } for rule in catalogued]
    index = {rule.id: position for position, rule in enumerate(catalogued)}
    for finding in findings:
        if finding.rule not in index:  # a house rule of a registry not given: described by its finding
            index[finding.rule] = len(rules)
            rules.append({"id": finding.rule, "name": finding.rule.replace("-", " "),
                          "shortDescription": {"text": finding.reference}, "help": {"text": finding.fix},
                          "defaultConfiguration": {"level": _SARIF_LEVEL[finding.severity]},
                          "properties": {"reference": finding.reference, "severity": finding.severity.value}})
    results = []
    for finding in findings:
        # The record at fault: for an onward gap the later hop, not the chain's first flow.
        anchor = finding.problem or (finding.evidence.flows or finding.evidence.entities
                                     or finding.evidence.purposes or [""])[0]
        region = {"startLine": lines[anchor]} if anchor in lines else None
        location: dict[str, object] = {"physicalLocation": {"artifactLocation": {"uri": artifact},
                                                           **({"region": region} if region else {})}}
        if anchor:
            location["logicalLocations"] = [{"name": anchor, "kind": "object"}]
        result: dict[str, object] = {
            "ruleId": finding.rule, "ruleIndex": index[finding.rule], "level": _SARIF_LEVEL[finding.severity],
            "message": {"text": f"{finding.reason}. Fix: {finding.fix}"},
            "locations": [location],
            "partialFingerprints": {"flowregFindingId": finding.id},
            "properties": {"regime": finding.regime, "problem": finding.problem, "reference": finding.reference,
                           "evidence": finding.evidence.model_dump(mode="json")},
        }
        if finding.acknowledged and finding.acknowledgement is not None:
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": finding.acknowledgement.reason}]
        results.append(result)
    invocation: dict[str, object] = {"executionSuccessful": True,
                                     "properties": {"asOf": as_of.isoformat(), **(invocation_properties or {})}}
    if notifications:
        invocation["toolExecutionNotifications"] = list(notifications)
    document = {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flowreg", "version": _version(), "rules": rules}},
            "invocations": [invocation],
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
