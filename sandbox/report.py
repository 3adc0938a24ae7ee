"""summary.json, report.md and report.html (with inline SVG charts) from a replay's counters."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from sandbox.compare import ChunkResult, Comparer
from sandbox.kpi import OUTCOMES
from sandbox.policy import Policy
from sandbox.svg import grouped_bars

KPIS = (  # key, name, definition
    ("one_window_share", "一窗受理 share",
     "cases received at one entry point (comprehensive window, online hall or bank) / all "
     "cases; a window case recorded at a department's own window does not count"),
    ("one_trip_share", "最多跑一次 share",
     "cases needing at most one visit / all cases; visits = 1 to hand in at a window or bank "
     "(0 online) + 1 per correction notice + 1 for a tolerance whose materials cannot follow "
     "online"),
    ("tolerance_share", "容缺 share", "cases accepted with tolerance (容缺受理) / all cases"),
    ("materials_per_case", "materials per case",
     "distinct materials of the case's items minus those waived, averaged over cases"),
    ("slimming_rate", "slimming rate (精简材料)",
     "waived materials / all catalogue materials of all cases"),
    ("compression_rate", "compression rate (压缩时限)",
     "mean of 1 − committed / legal limit over cases whose two limits share a unit"),
)
PERCENT = {"one_window_share", "one_trip_share", "tolerance_share", "slimming_rate",
           "compression_rate"}
BUCKETS = ((0, 0, "0"), (1, 5, "1–5"), (6, 10, "6–10"), (11, 20, "11–20"), (21, 30, "21–30"),
           (31, 60, "31–60"), (61, 10**6, ">60"))


def summarise(total: ChunkResult, policies: tuple[Policy, Policy], cmp: Comparer
              ) -> dict[str, Any]:
    base, cand = total.baseline.to_json(), total.candidate.to_json()
    deltas = {k: None if base["kpis"][k] is None or cand["kpis"][k] is None
              else round(cand["kpis"][k] - base["kpis"][k], 4) for k, _, _ in KPIS}
    return {
        "rows": total.rows, "cases": total.baseline.cases, "bad_rows": len(total.bad),
        "changed": sum(total.transitions.values()),
        "candidate_skipped_same_rules": total.skipped,
        "policies": {name: {"spec": p.spec, "label": p.label}
                     for name, p in zip(("baseline", "candidate"), policies, strict=True)},
        "redefined_rules": sorted(cmp.changed_rules),
        "baseline": base, "candidate": cand, "deltas": deltas,
        "recorded": total.recorded.to_json(),
        "transitions": dict(sorted(total.transitions.items())),
        "rules_in_diffs": dict(sorted(total.rules.items(), key=lambda kv: (-kv[1], kv[0]))),
        "first_bad_rows": [{"line": n, "error": m} for n, m in total.bad[:20]],
    }


def _pct(value: float | None, key: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if key in PERCENT else f"{value:.2f}"


def _delta(value: float | None, key: str) -> str:
    if value is None:
        return "–"
    return f"{value * 100:+.1f} pt" if key in PERCENT else f"{value:+.2f}"


def kpi_rows(s: dict[str, Any]) -> list[list[str]]:
    rec = s["recorded"]
    return [[name, _pct(rec.get(key), key), _pct(s["baseline"]["kpis"][key], key),
             _pct(s["candidate"]["kpis"][key], key), _delta(s["deltas"][key], key)]
            for key, name, _ in KPIS]


def _committed(counts: dict[str, int]) -> tuple[list[str], list[int]]:
    labels, values = [b[2] for b in BUCKETS] + ["other unit"], [0] * (len(BUCKETS) + 1)
    for label, n in counts.items():
        unit, amount = label.split(":")
        slot = next((i for i, (lo, hi, _) in enumerate(BUCKETS) if lo <= int(amount) <= hi)
                    ) if unit == "working_days" else len(BUCKETS)
        values[slot] += n
    return labels, values


def _materials(counts: dict[str, int], top: int = 10) -> tuple[list[str], list[int]]:
    values = [0] * (top + 1)
    for k, n in counts.items():
        values[min(int(k), top)] += n
    return [str(i) for i in range(top)] + [f"{top}+"], values


def charts(s: dict[str, Any]) -> list[str]:
    b, c = s["baseline"], s["candidate"]
    names = ("baseline", "candidate")
    out = [grouped_bars("Outcome mix (cases)", list(OUTCOMES), {
        n: [d["outcomes"][o] for o in OUTCOMES] for n, d in zip(names, (b, c), strict=True)})]
    labels, _ = _committed({})
    out.append(grouped_bars("Committed limit, working days (cases)", labels, {
        n: _committed(d["committed"])[1] for n, d in zip(names, (b, c), strict=True)}))
    labels, _ = _materials({})
    out.append(grouped_bars("Materials the applicant brings, per case (cases)", labels, {
        n: _materials(d["materials_per_case"])[1] for n, d in zip(names, (b, c), strict=True)}))
    keys = [k for k, _, _ in KPIS if k in PERCENT]
    out.append(grouped_bars("KPIs", [k.replace("_", " ") for k in keys], {
        n: [d["kpis"][k] or 0 for k in keys] for n, d in zip(names, (b, c), strict=True)},
        percent=True))
    return out


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(map(str, r)) + " |" for r in rows])


def markdown(s: dict[str, Any]) -> str:
    p = s["policies"]
    trans = [[k, v] for k, v in s["transitions"].items()] or [["(none)", 0]]
    rules = [[k, v] for k, v in list(s["rules_in_diffs"].items())[:30]] or [["(none)", 0]]
    return "\n\n".join([
        "# Replay report",
        f"Baseline: {p['baseline']['label']}.  \nCandidate: {p['candidate']['label']}.",
        f"{s['cases']:,} cases replayed ({s['rows']:,} rows, {s['bad_rows']:,} bad rows "
        f"skipped, see bad_rows.jsonl); {s['changed']:,} decisions changed (diff.jsonl).",
        "## KPIs", _table(["KPI", "recorded", "baseline", "candidate", "Δ"], kpi_rows(s)),
        "*Recorded* is what the history says happened, for rows that carry it.",
        "## How the KPIs are computed",
        "\n".join(f"- **{name}**: {text}." for _, name, text in KPIS),
        "## Outcome changes", _table(["baseline → candidate", "cases"], trans),
        "## Rules behind the changes", _table(["ruleset/rule", "cases"], rules),
        "## Outcome mix", _table(["outcome", "baseline", "candidate"], [
            [o, s["baseline"]["outcomes"][o], s["candidate"]["outcomes"][o]] for o in OUTCOMES]),
    ]) + "\n"


def html(s: dict[str, Any], md: str) -> str:
    body = [f"<h1>Replay report</h1><p>{escape(md.split(chr(10) * 2)[1])}</p>",
            f"<p>{escape(md.split(chr(10) * 2)[2])}</p>", "<h2>KPIs</h2><table><tr>" + "".join(
                f"<th>{h}</th>" for h in ("KPI", "recorded", "baseline", "candidate", "Δ"))
            + "</tr>" + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                                for row in kpi_rows(s)) + "</table>",
            "<h2>Charts</h2>", *(f"<figure>{svg}</figure>" for svg in charts(s)),
            "<h2>How the KPIs are computed</h2><ul>" + "".join(
                f"<li><b>{escape(n)}</b>: {escape(t)}.</li>" for _, n, t in KPIS) + "</ul>",
            "<h2>Outcome changes</h2><ul>" + "".join(
                f"<li>{escape(k)}: {v:,}</li>" for k, v in s["transitions"].items()) + "</ul>"]
    style = ("body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}")
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>Replay report</title><style>{style}</style></head><body>"
            + "".join(body) + "</body></html>\n")


def write_reports(outdir: Path, summary: dict[str, Any]) -> None:
    (outdir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
    md = markdown(summary)
    (outdir / "report.md").write_text(md, "utf-8")
    (outdir / "report.html").write_text(html(summary, md), "utf-8")
