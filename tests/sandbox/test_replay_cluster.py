"""The replay on a Dask LocalCluster gives the local run's output, byte for byte."""

import shutil

import pytest

from rules import RULES_DIR
from sandbox.replay import ReplayOptions, replay

pytest.importorskip("distributed")

OUTPUTS = ("diff.jsonl", "bad_rows.jsonl", "summary.json", "report.md", "report.html")


def test_a_local_cluster_replays_like_the_local_processes(tmp_path, kernel):
    from sandbox.generate import write

    history = tmp_path / "h.jsonl"
    with open(history, "w", encoding="utf-8") as fh:
        write(kernel, fh, cases=240, seed=5)
    with open(history, "a", encoding="utf-8") as fh:
        fh.write("{not json\n")  # a bad row keeps its line number on the cluster too
    draft = tmp_path / "draft"
    shutil.copytree(RULES_DIR / "common", draft / "common")
    (draft / "common" / "tolerance.yaml").unlink()  # no more 容缺受理: decisions change
    opts = {"cases": history, "candidate": str(draft), "partition_bytes": 16_384}
    local = replay(ReplayOptions(out=tmp_path / "local", workers=2, **opts))
    on_dask = replay(ReplayOptions(out=tmp_path / "dask", cluster="local:2", **opts))
    assert local["changed"] > 0 and local["bad_rows"] == 1 and local["cases"] == 240
    assert local["credit_refused"] == on_dask["credit_refused"] == []
    for name in OUTPUTS:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()
