"""foreign-authority-disclosure: personal data disclosed to a public authority outside the regime's territory on
nothing but the authority's request, or on an exception that does not fit (one resting on a foreign law, one for
cooperating with the regime's own state organs, an occasional-only derogation for a systematic flow).

A foreign authority's order is no transfer basis by itself: the GDPR recognises it only under an international
agreement (Art. 48), and the UK GDPR, the FADP and the APPI need one of their own grounds for it as for any
transfer. The most specific explanation of such a gap, so it comes first in the precedence (registry.transfers).
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.checks.sentences import each_failing
from registry.labels import regime_label
from registry.reference import Regime
from registry.transfers import Gap

# What a foreign authority's request is under each regime, after "which under <regime> ...".
_REQUEST_ALONE = {
    Regime.GDPR: "is recognised only through an international agreement such as a mutual legal assistance treaty "
                 "(Art. 48), and is no ground for a transfer by itself",
    Regime.UK_GDPR: "is none of the grounds Art. 44A allows for a transfer (the UK GDPR has no Art. 48)",
    Regime.CH_FADP: "is neither a safeguard of Art. 16 nor an exception of Art. 17",
    Regime.JP_APPI: "is no case of Art. 27(1), whose laws and regulations are Japanese ones, so Art. 28(1) needs "
                    "the person's consent or an equivalent system",
}

# Who must do what, per regime: the ground to record on the flow, or the channel the request should come through.
_FIX = {
    Regime.GDPR: "Answer through the international agreement with the requesting state (a mutual legal assistance "
                 "treaty), or record the ground that carries each disclosure: an Art. 49(1)(d) derogation whose "
                 "law_of names the Union or Member State law recognising the public interest, or Art. 49(1)(e) "
                 "where the organisation takes part in the specific procedure; otherwise refuse the request.",
    Regime.UK_GDPR: "Record the Art. 44A ground that carries each disclosure: an Art. 49(1)(d) exception whose law_of "
                    "is GB, naming the UK law recognising the public interest, or Art. 49(1)(e) where the "
                    "organisation takes part in the specific procedure; otherwise refuse or redirect the request.",
    Regime.CH_FADP: "Record the FADP Art. 17 exception that carries each disclosure (letter d for Art. 17(1)(c)(1), "
                    "e for (c)(2), f for (d)) and be ready to tell the FDPIC of it on request (Art. 17(2)), or have "
                    "the request come through mutual assistance.",
    Regime.JP_APPI: "Record the APPI Art. 27(1) case that carries each disclosure (appi_exception item ii where life, "
                    "body or property is at stake and consent is hard to obtain; item i only with a Japanese law as "
                    "law_of), obtain the person's consent after the Art. 28(2) information, or have the request "
                    "come through the treaty channel.",
}


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis, verdict, gap in context.gaps(Gap.FOREIGN_AUTHORITY):
        flow, regime = analysis.flow, verdict.regime
        # The regime's own tools the flow relies on, each failing; the rest belong to other regimes.
        relied = tuple(s for s in gap.failing if s.tool is not None)
        disclosure = (f"{context.party(flow.sender)} discloses personal data to the public authority "
                      f"{context.party(flow.receiver)},")
        if relied:
            reason = (f"{disclosure} but under {regime_label(regime)} {each_failing(relied, context.as_of, regime)}, "
                      "and the authority's request alone is no basis for the transfer.")
        else:
            reason = (f"{disclosure} on nothing but its request, which under {regime_label(regime)} "
                      f"{_REQUEST_ALONE[regime]}.")
        yield rule.finding(
            context, reason, regime=regime, fix=_FIX[regime], flows=[flow.id], countries=gap.countries,
            entities=[flow.sender, flow.receiver], safeguards=sorted(s.safeguard.id for s in relied),
            categories=sorted(flow.categories))


RULE = Rule(
    id="foreign-authority-disclosure", severity=Severity.HIGH,  # it alone reports such a transfer's gap
    title="disclosure to a foreign public authority on nothing but its request, or on an exception that does "
          "not fit",
    fix=_FIX[Regime.GDPR], judge=evaluate)
