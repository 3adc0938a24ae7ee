"""summary.json, report.md and report.html (with inline SVG charts) from a replay's counters."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sandbox.compare import ChunkResult, Comparer
from sandbox.kpi import OUTCOMES
from sandbox.policy import Policy
from sandbox.render import Block, html, markdown
from sandbox.rulediff import rule_diff, titles
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
    names = titles(cmp.books)
    return {
        "rows": total.rows, "cases": total.baseline.cases, "bad_rows": total.bad_rows,
        "changed": sum(total.transitions.values()),
        "candidate_skipped_same_rules": total.skipped,
        "policies": {name: {"spec": p.spec, "label": p.label, "notes": p.notes}
                     for name, p in zip(("baseline", "candidate"), policies, strict=True)},
        "rule_changes": rule_diff(cmp.books, cmp.dirs),
        "redefined_rules": sorted(cmp.changed_rules),
        "baseline": base, "candidate": cand, "deltas": deltas,
        "effects": effects(total.effects, cmp.catalogue),
        "examples": {k: [_example(d, names) for d in v]
                     for k, v in sorted(total.examples.items())},
        "recorded": total.recorded.to_json(),
        "transitions": dict(sorted(total.transitions.items())),
        "rules_in_diffs": dict(sorted(total.rules.items(), key=lambda kv: (-kv[1], kv[0]))),
        "rule_titles": {k: names.get(k, "") for k in sorted(total.rules)},
        "first_bad_rows": [{"line": n, "error": m} for n, m in total.bad[:20]],
    }


EFFECT_FIELDS = ("cases", "changed", "days_saved", "days_changed", "tolerance_baseline",
                 "tolerance_candidate", "correction_baseline", "correction_candidate")


def effects(counts: Counter, catalogue: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per item (or set of items decided together) and per department: cases, cases
    changed, committed working days saved (negative: lost), tolerance and corrections."""
    items: dict[str, dict[str, Any]] = {}
    for (key, name), n in counts.items():
        row = items.setdefault(key, {"item": key, **dict.fromkeys(EFFECT_FIELDS, 0)})
        row[name] += n
    departments: dict[str, dict[str, Any]] = {}
    for key, row in items.items():
        codes = key.split("+")
        row["name"] = "、".join(catalogue[c].name if c in catalogue else c for c in codes)
        row["department"] = "+".join(sorted({catalogue[c].department for c in codes
                                             if c in catalogue})) or "-"
        dep = departments.setdefault(row["department"], {
            "department": row["department"], **dict.fromkeys(EFFECT_FIELDS, 0)})
        for name in EFFECT_FIELDS:
            dep[name] += row[name]
    return {"departments": sorted(departments.values(), key=_most_changed),
            "items": sorted(items.values(), key=_most_changed)}


def _most_changed(row: dict[str, Any]) -> tuple:
    return -row["changed"], -abs(row["days_saved"]), row.get("item") or row["department"]


def _example(d: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    rules = [{"rule": r, "title": names.get(r, ""), "how": how}
             for how in ("added", "removed", "redefined") for r in d["rules"][how]]
    return {"line": d["line"], "case_id": d["case_id"], "items": d["items"],
            "changes": d["changes"], "rules": rules}


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


HOW = {"added": "fires only under the candidate", "removed": "fired only under the baseline",
       "redefined": "redefined by the candidate and fired"}


def _change_text(changes: dict[str, Any]) -> str:
    out = []
    for name, value in changes.items():
        if isinstance(value, dict):
            moved = [f"+{m}" for m in value["added"]] + [f"−{m}" for m in value["removed"]]
            out.append(f"{name} {' '.join(moved)}")
        else:
            out.append(f"{name} {value[0]} → {value[1]}")
    return "; ".join(out)


def _files_rows(files: dict[str, Any]) -> list[list[str]]:
    def shown(found: list[dict[str, str]]) -> str:
        return ", ".join(f"{f['file']} ({f['version']})" for f in found)

    return ([[c["ruleset"], "changed", shown(c["baseline"]), shown(c["candidate"])]
             for c in files["changed"]]
            + [[c["ruleset"], "added", "–", shown(c["candidate"])] for c in files["added"]]
            + [[c["ruleset"], "removed", shown(c["baseline"]), "–"] for c in files["removed"]])


def _effect_rows(rows: list[dict[str, Any]], first: list[str]) -> list[list[Any]]:
    def days(r: dict[str, Any]) -> str:
        n, cases = r["days_saved"], r["days_changed"]
        if not n:
            return "0"
        each = f"{n / cases:+,.1f}".removesuffix(".0")
        return f"{n:+,} ({'saved' if n > 0 else 'lost'}; {each} per case, {cases:,} cases)"

    return [[*(r[k] for k in first), f"{r['cases']:,}", f"{r['changed']:,}", days(r),
             f"{r['tolerance_baseline']:,} → {r['tolerance_candidate']:,}",
             f"{r['correction_baseline']:,} → {r['correction_candidate']:,}"]
            for r in rows if r["changed"] or r["days_saved"]]


EFFECT_HEAD = ["cases", "changed", "committed working days saved (+) or lost (−), in all",
               "容缺 (tolerance) baseline → candidate", "补正 (correction) baseline → candidate"]


def _rule_changes(s: dict[str, Any]) -> list[Block]:
    rc = s["rule_changes"]
    notes = [f"{side}: {n}" for side in ("baseline", "candidate")
             for n in s["policies"][side].get("notes", [])]
    out: list[Block] = [("h2", "Rule changes")]
    if notes:
        out.append(("ul", notes))
    out.append(("p", f"{len(rc['files']['changed'])} rule file(s) changed, "
                     f"{len(rc['files']['added'])} added, {len(rc['files']['removed'])} "
                     f"removed; {rc['files']['unchanged']} the same in both policies."))
    if _files_rows(rc["files"]):
        out.append(("table", ["ruleset", "", "baseline file (version)",
                              "candidate file (version)"], _files_rows(rc["files"])))
    rules = [[r["rule"], how, r["title"], r["reference"]]
             for how in ("added", "removed", "redefined") for r in rc["rules"][how]]
    if rules:
        out.append(("table", ["rule", "", "title", "legal basis"], rules))
    return out


def _examples(s: dict[str, Any]) -> list[Block]:
    out: list[Block] = [("h2", "Example cases per change")]
    if not s["examples"]:
        out.append(("p", "No decision changed."))
    for transition, cases in s["examples"].items():
        out.append(("h3", f"{transition} ({s['transitions'].get(transition, 0):,} cases)"))
        out.append(("table", ["line", "case", "items", "what changed", "rules behind it"], [
            [d["line"], d["case_id"], ", ".join(d["items"]), _change_text(d["changes"]),
             "; ".join(f"{r['rule']} {r['title']} ({HOW[r['how']]})" for r in d["rules"])
             or "–"] for d in cases]))
    return out


def blocks(s: dict[str, Any]) -> list[Block]:
    """The report's content, the same in report.md and report.html."""
    p, eff = s["policies"], s["effects"]
    trans = [[k, f"{v:,}"] for k, v in s["transitions"].items()] or [["(none)", "0"]]
    rules = [[k, s["rule_titles"].get(k, ""), f"{v:,}"]
             for k, v in list(s["rules_in_diffs"].items())[:30]] or [["(none)", "", "0"]]
    labels, base = _committed(s["baseline"]["committed"])
    cand = _committed(s["candidate"]["committed"])[1]
    mlabels, mbase = _materials(s["baseline"]["materials_per_case"])
    mcand = _materials(s["candidate"]["materials_per_case"])[1]
    return [
        ("h1", "Replay report"),
        ("p", f"Baseline: {p['baseline']['label']}. Candidate: {p['candidate']['label']}."),
        ("p", f"{s['cases']:,} cases replayed ({s['rows']:,} rows, {s['bad_rows']:,} bad rows "
              f"skipped, see bad_rows.jsonl); {s['changed']:,} decisions changed "
              "(diff.jsonl)."),
        *_rule_changes(s),
        ("h2", "Effects by department"),
        ("table", ["department", *EFFECT_HEAD],
         _effect_rows(eff["departments"], ["department"]) or [["(none)", "", "", "", "", ""]]),
        ("h2", "Effects by item"),
        ("table", ["item", "name", "department", *EFFECT_HEAD],
         _effect_rows(eff["items"], ["item", "name", "department"])
         or [["(none)", "", "", "", "", "", "", ""]]),
        ("p", "Working days are the committed limit of each changed case, baseline minus "
              "candidate, summed; cases whose limits are in another unit count 0."),
        ("h2", "KPIs"), ("table", ["KPI", "recorded", "baseline", "candidate", "Δ"],
                         kpi_rows(s)),
        ("p", "Recorded is what the history says happened, for rows that carry it."),
        ("h2", "How the KPIs are computed"),
        ("ul", [f"{name}: {text}." for _, name, text in KPIS]),
        ("h2", "Outcome changes"), ("table", ["baseline → candidate", "cases"], trans),
        *_examples(s),
        ("h2", "Rules behind the changes"), ("table", ["ruleset/rule", "title", "cases"], rules),
        ("h2", "Outcome mix"), ("table", ["outcome", "baseline", "candidate"], [
            [o, f"{s['baseline']['outcomes'][o]:,}", f"{s['candidate']['outcomes'][o]:,}"]
            for o in OUTCOMES]),
        ("h2", "Committed limits"), ("table", ["working days", "baseline", "candidate"], [
            [lab, f"{a:,}", f"{b:,}"] for lab, a, b in zip(labels, base, cand, strict=True)]),
        ("h2", "Materials the applicant brings"), ("table", ["per case", "baseline",
                                                             "candidate"], [
            [lab, f"{a:,}", f"{b:,}"] for lab, a, b in zip(mlabels, mbase, mcand, strict=True)]),
    ]


def write_reports(outdir: Path, summary: dict[str, Any]) -> None:
    (outdir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
    content = blocks(summary)
    (outdir / "report.md").write_text(markdown(content), "utf-8")
    svgs = charts(summary)
    figures = {"Outcome mix": svgs[:1], "Committed limits": svgs[1:2],
               "Materials the applicant brings": svgs[2:3], "KPIs": svgs[3:]}
    (outdir / "report.html").write_text(html(content, "Replay report", figures), "utf-8")
