"""The README's Performance target table, in Markdown, from the medians line of `benchmarks/run.py --runs N`.

Reads the last JSON object of a file (or of stdin), so the runner's whole output can be piped in; prints one row
per target: what it asks, the median measured, met or missed, and why missed. A target whose keys the run does not
hold (skipped, or no Neo4j) shows "not measured". The "why missed" text is the reader's: a YAML or JSON mapping of
target id to text (`--why`); the ids are the first column of `--ids`.

    python benchmarks/run.py --size L --runs 3 | tee bench-L.jsonl | python benchmarks/table.py
    python benchmarks/table.py bench-L.jsonl --why why-missed.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Results = dict[str, Any]


@dataclass(frozen=True)
class Measured:
    value: float  # what the limit is compared with
    text: str  # how the README writes it


@dataclass(frozen=True)
class Target:
    id: str
    text: str
    limit: float
    at_least: bool  # the figure must reach the limit (a rate) rather than stay under it (a time, a ratio)
    measure: Callable[[Results], Measured | None]

    def met(self, measured: Measured) -> bool:
        return measured.value >= self.limit if self.at_least else measured.value <= self.limit


def number(value: float) -> str:
    """A figure as the README writes it: thousands separated, at most two decimals, no trailing zeros."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def megabytes(value: float) -> str:
    return f"{value:,.0f} MB"


def figure(key: str, unit: str) -> Callable[[Results], Measured | None]:
    def measure(results: Results) -> Measured | None:
        value = results.get(key)
        return None if value is None else Measured(value, f"{number(value)}{unit}")

    return measure


def times(key: str, ratio: str, base: str, base_words: str) -> Callable[[Results], Measured | None]:
    """A ratio of two times of one run, written with both: "29 s = 8x the 3.63 s load"."""

    def measure(results: Results) -> Measured | None:
        value = results.get(ratio)
        if value is None and results.get(key) is not None and results.get(base):
            value = results[key] / results[base]
        if value is None:
            return None
        if results.get(key) is None or results.get(base) is None:
            return Measured(value, f"{number(value)}x {base_words}")
        return Measured(value, f"{number(results[key])} s = {number(value)}x the {number(results[base])} s "
                               f"{base_words}")

    return measure


def first_view(key: str, complete: str, from_summary: str) -> Callable[[Results], Measured | None]:
    """The Overview's headline drawn in a fresh process, with when its slow sections (Coming up, the trend) were
    filled in and whether the headline came from the summary kept with the check: the target is the first."""

    def measure(results: Results) -> Measured | None:
        value = results.get(key)
        if value is None:
            return None
        text = f"{number(value)} s"
        if results.get(from_summary) is not None:
            text += " (headline from the kept summary)" if results[from_summary] else " (no kept summary)"
        if results.get(complete) is not None:
            text += f"; Coming up and the trend filled in at {number(results[complete])} s"
        return Measured(value, text)

    return measure


def slowest_page(results: Results) -> Measured | None:
    value = results.get("page_max_s")
    if value is None:
        return None
    pages = results.get("page_s") or {}
    others = ", ".join(f"{title} {number(seconds)} s" for title, seconds in pages.items() if title != "Overview")
    slowest = f" ({results['page_slowest']})" if results.get("page_slowest") else ""
    return Measured(value, f"{number(value)} s{slowest}" + (f"; {others}" if others else ""))


def slowest_export(results: Results) -> Measured | None:
    per_format: dict[str, float] = results.get("exports_s") or {}
    if not per_format:
        return None
    each = ", ".join(f"{fmt.upper()} {number(seconds)} s" for fmt, seconds in per_format.items())
    return Measured(max(per_format.values()), f"{each} (tables and writing)")


def peak_memory(results: Results) -> Measured | None:
    """The largest of the processes the target names: import and check (the benchmark's process up to its check),
    a fresh `flowreg check`, and the dashboard; the benchmark's whole process, which goes on to hold the forecast,
    exports and the rest, is written beside them."""
    parts = {"import and check": (results.get("peak_rss_phases_mb") or {}).get("check"),
             "fresh check": results.get("fresh_check_peak_rss_mb"),
             "dashboard": results.get("dashboard_peak_rss_mb")}
    held = {name: mb for name, mb in parts.items() if mb is not None}
    if not held:
        whole = results.get("peak_rss_mb")
        return None if whole is None else Measured(whole, f"{megabytes(whole)} (the benchmark's whole process)")
    text = ", ".join(f"{name} {megabytes(mb)}" for name, mb in held.items())
    if results.get("peak_rss_mb") is not None:
        text += f"; the benchmark's whole process {megabytes(results['peak_rss_mb'])}"
    return Measured(max(held.values()), text)


TARGETS: tuple[Target, ...] = (
    Target("check", "full check at most 2x the load", 2, False, times("check_s", "check_ratio", "load_s", "load")),
    Target("fresh_check", "`flowreg check` in a fresh process at most 2x the load", 2, False,
           times("fresh_check_s", "fresh_check_ratio", "load_s", "load")),
    Target("incremental", "incremental re-check at most 50 ms", 50, False, figure("incremental_ms", " ms")),
    Target("overview", "Overview data at most 3 s", 3, False, figure("overview_s", " s")),
    Target("first_view", "dashboard first view in a fresh process at most 3 s (the Overview's headline)", 3,
           False, first_view("dashboard_first_view_s", "dashboard_overview_complete_s",
                             "dashboard_first_view_from_summary")),
    Target("first_view_apptest", "dashboard first view in a fresh Streamlit process at most 3 s (AppTest)", 3,
           False, first_view("dashboard_first_view_apptest_s", "dashboard_overview_complete_apptest_s",
                             "dashboard_first_view_apptest_from_summary")),
    Target("pages", "every page after the first view at most 2 s", 2, False, slowest_page),
    Target("exports", "each export at most 60 s", 60, False, slowest_export),
    Target("xlsx_vs_csv", "XLSX at most 2x CSV", 2, False, figure("export_xlsx_vs_csv", "x")),
    Target("forecast", "90-day forecast at most 3x the full check", 3, False,
           times("forecast_s", "forecast_ratio", "check_s", "check")),
    Target("what_if", "what-if at most 1.5x the full check", 1.5, False,
           times("what_if_s", "what_if_ratio", "check_s", "check")),
    Target("trend", "12-point trend at most 4x the full check", 4, False,
           times("trend_s", "trend_ratio", "check_s", "check")),
    Target("house_rules", "20 house rules add at most 20% to the full check", 1.2, False,
           figure("house_rules_overhead", "x")),
    Target("neo4j_sync", "Neo4j sync at least 20,000 flows/s", 20_000, True,
           figure("neo4j_sync_flows_per_s", " flows/s")),
    Target("neo4j_vs_naive", "Neo4j batched sync at least 20x naive", 20, True, figure("neo4j_batched_vs_naive", "x")),
    Target("peak_rss", "peak RSS at most 1.2 GB (import, check, dashboard)", 1200, False, peak_memory),
)


def last_object(text: str) -> Results:
    """The last line that is a JSON object: the runner's medians line, wherever its output was kept."""
    for line in reversed(text.splitlines()):
        if line.strip().startswith("{"):
            found = json.loads(line)
            if isinstance(found, dict):
                return found
    raise ValueError("no JSON object line in the input")


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(results: Results, why: dict[str, str] | None = None) -> str:
    why = why or {}
    runs = results.get("runs", 1)
    size = results.get("size", "?")
    lines = [f"| target (size {size}) | measured (median of {runs} run{'s' if runs != 1 else ''}) | | why missed |",
             "|---|---|---|---|"]
    for target in TARGETS:
        measured = target.measure(results)
        if measured is None:
            shown, verdict = "not measured", ""
        else:
            shown, verdict = measured.text, "met" if target.met(measured) else "missed"
        lines.append(f"| {cell(target.text)} | {cell(shown)} | {verdict} | {cell(why.get(target.id, ''))} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", type=Path, help="the runner's output (default: stdin)")
    parser.add_argument("--why", type=Path, help="YAML or JSON: target id -> why it is missed")
    parser.add_argument("--ids", action="store_true", help="list the target ids and what each asks, and stop")
    args = parser.parse_args()
    if args.ids:
        print("\n".join(f"{target.id}\t{target.text}" for target in TARGETS))
        return
    text = args.results.read_text(encoding="utf-8") if args.results else sys.stdin.read()
    why = yaml.safe_load(args.why.read_text(encoding="utf-8")) if args.why else {}
    if not isinstance(why, dict) or not all(isinstance(v, str) for v in why.values()):
        sys.exit("--why must map target ids to text")
    unknown = set(why) - {target.id for target in TARGETS}
    if unknown:
        sys.exit(f"--why names unknown target(s): {', '.join(sorted(unknown))} (see --ids)")
    sys.stdout.write(table(last_object(text), why))


if __name__ == "__main__":
    main()
