"""KPIs on a five-case hand-made history, worked out by hand; the CSV form gives the same."""

import json
from pathlib import Path

import pytest

from sandbox.replay import ReplayOptions, replay

DATA = Path(__file__).with_name("data")
ALL = ["M1", "M2", "S1", "S2", "S3", "S4"]
# (channel, desk, materials handed in, supplement_online)
CASES = [
    ("window", "comprehensive", [m for m in ALL if m != "S1"], True),  # complete
    ("online", None, [m for m in ALL if m != "S2"], True),  # S2 tolerable in both
    ("window", "department", [m for m in ALL if m != "S3"], False),  # S3: draft only
    ("bank", None, [m for m in ALL if m != "M1"], True),  # main missing: correction
    ("window", "comprehensive", [m for m in ALL if m != "S3"], True),  # S3: draft only
]


def _history(path: Path) -> Path:
    rows = []
    for n, (channel, desk, materials, online) in enumerate(CASES, 1):
        rows.append({"case_id": f"K{n}", "desk": desk, "supplement_online": online,
                     "application": {"items": ["T-LICENCE"], "channel": channel,
                                     "materials": materials,
                                     "submitted_at": f"2019-03-0{3 + n}T10:00:00+08:00",
                                     "applicant": {"kind": "organisation", "name": "某公司",
                                                   "credit_code": "91350100M000100Y43"}}})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture
def summary(tmp_path, sbx_args):
    opts = ReplayOptions(cases=_history(tmp_path / "h.jsonl"), baseline=str(DATA / "rules_base"),
                         candidate=str(DATA / "rules_draft"), out=tmp_path / "out",
                         kernel=sbx_args, workers=1)
    return replay(opts)


def test_kpis_by_hand(summary):
    base, cand = summary["baseline"]["kpis"], summary["candidate"]["kpis"]
    # one entry point: all but case 3 (a department's window)
    assert base["one_window_share"] == cand["one_window_share"] == 0.8
    # visits, baseline: 1 (accepted at window), 0 (online, tolerance, online supplement),
    # 2 (window + correction), 2 (bank + correction), 2 (window + correction) -> 2 of 5
    assert base["one_trip_share"] == 0.4
    # draft: case 3 tolerance but supplement in person -> still 2; case 5 -> 1 -> 3 of 5
    assert cand["one_trip_share"] == 0.6
    assert base["tolerance_share"] == 0.2 and cand["tolerance_share"] == 0.6
    # six catalogue materials each, S1 always waived (shared data): 5 to bring, 5/30 slimmed
    assert base["materials_per_case"] == cand["materials_per_case"] == 5.0
    assert base["slimming_rate"] == cand["slimming_rate"] == round(5 / 30, 4)
    assert base["compression_rate"] == 0.75  # committed 5 of a legal 20 working days
    assert summary["deltas"]["one_trip_share"] == 0.2
    assert summary["deltas"]["tolerance_share"] == 0.4
    assert summary["transitions"] == {"correction_required → accepted_with_tolerance": 2}
    assert summary["baseline"]["outcomes"] == {
        "accepted": 1, "accepted_with_tolerance": 1, "correction_required": 3, "rejected": 0}


def test_report_names_the_kpis_and_draws_the_charts(summary, tmp_path):
    md = (tmp_path / "out" / "report.md").read_text("utf-8")
    assert "| 最多跑一次 share | – | 40.0% | 60.0% | +20.0 pt |" in md
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert html.count("<svg") == 4 and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_csv_export_with_a_column_mapping_gives_the_same_kpis(tmp_path, sbx_args, summary):
    mapping = {"case_id": "办件编号", "items": "事项编码", "applicant_kind": "申请人类型",
               "applicant_name": "申请人", "applicant_id": "证件号码", "submitted_at": "申请时间",
               "channel": "渠道", "materials": "已交材料", "desk": "窗口",
               "supplement_online": "网上补件"}
    lines = [",".join(mapping.values())]
    for n, (channel, desk, materials, online) in enumerate(CASES, 1):
        lines.append(f"K{n},T-LICENCE,organisation,某公司,91350100M000100Y43,"
                     f"2019-03-0{3 + n} 10:00,{channel},{';'.join(materials)},{desk or ''},"
                     f"{'是' if online else '否'}")
    path = tmp_path / "h.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    opts = ReplayOptions(cases=path, baseline=str(DATA / "rules_base"), mapping=mapping,
                         candidate=str(DATA / "rules_draft"), out=tmp_path / "csv",
                         kernel=sbx_args, workers=1)
    assert replay(opts)["candidate"] == summary["candidate"]
