"""The text report's layout, line by line, and its escaping: a stored value can start no line of its own."""

from __future__ import annotations

from datetime import date

from registry.checks.finding import Evidence, Finding, Severity
from registry.checks.report import render_text
from registry.model import Acknowledgement

AS_OF = date(2026, 11, 24)


def finding(id: str, problem: str, *, regime: str | None = "gdpr", severity: Severity = Severity.HIGH,
            reason: str = "no tool", path: list[str] | None = None, fix: str = "sign SCCs",
            acknowledgement: Acknowledgement | None = None) -> Finding:
    return Finding(id=id, rule=id.split(":")[0], severity=severity, regime=regime, reference="Art. 46",
                   reason=reason, fix=fix, evidence=Evidence.of(AS_OF, flows=[problem], path=path or []),
                   problem=problem, acknowledged=acknowledgement is not None, acknowledgement=acknowledgement)


def test_each_problem_then_its_findings_worst_first_with_path_and_acknowledgement() -> None:
    ack = Acknowledgement(finding="transfer-without-safeguard:000000000002", reason="memo 12", until=date(2027, 1, 1))
    findings = [
        finding("transfer-without-safeguard:000000000001", "f1", regime="uk_gdpr"),
        finding("transfer-without-safeguard:000000000002", "f1", path=["f0", "f1"], acknowledgement=ack),
        finding("processor-without-dpa:000000000003", "p1", regime=None, severity=Severity.MEDIUM, fix="get a DPA"),
    ]

    assert render_text(findings, AS_OF) == "\n".join([
        "as of 2026-11-24: 2 problems (3 findings: 2 high, 1 medium; 1 acknowledged)",
        "",
        "HIGH   f1: no valid transfer tool under EU/EEA GDPR, UK GDPR",
        "  - transfer-without-safeguard:000000000002 [EU/EEA GDPR] [acknowledged]",
        "    no tool",
        "    reference: Art. 46",
        "    path: f0 -> f1",
        "    fix: sign SCCs",
        "    acknowledged until 2027-01-01: memo 12",
        "  - transfer-without-safeguard:000000000001 [UK GDPR]",
        "    no tool",
        "    reference: Art. 46",
        "    fix: sign SCCs",
        "",
        "MEDIUM p1: no data processing agreement",
        "  - processor-without-dpa:000000000003",
        "    no tool",
        "    reference: Art. 46",
        "    fix: get a DPA",
    ]) + "\n"


def test_a_control_character_anywhere_is_escaped_on_its_own_line_and_the_others_stay_as_they_are() -> None:
    findings = [finding("transfer-without-safeguard:000000000001", "f1", reason="no tool\n  - forged:0",
                        path=["f0\x1b[2J"]),
                finding("transfer-without-safeguard:000000000002", "f2", fix="sign\u202eSCCs")]

    lines = render_text(findings, AS_OF).splitlines()

    assert "    no tool\\n  - forged:0" in lines and "  - forged:0" not in lines
    assert "    path: f0\\x1b[2J" in lines
    assert "    fix: sign\\u202eSCCs" in lines
    assert lines.count("    fix: sign SCCs") == 1  # the finding without one is written as it is
    assert len(lines) == 1 + 2 * 2 + 5 + 4
