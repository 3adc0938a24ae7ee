"""A live API with the supervision plugin: admin, auditor and clerk tokens, its own store."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from kernel.http.app import create_app
from kernel.http.auth import ServerConfig, TokenSpec
from kernel.store import start_kernel

TOKENS = {"admin": "admin-token-0123456789abcdef", "auditor": "auditor-token-0123456789ab",
          "clerk": "clerk-token-0123456789abcdef"}
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@dataclass
class Hall:
    url: str
    kernel: object

    def call(self, method: str, path: str, role: str = "admin", **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKENS[role]}"}
        return requests.request(method, self.url + path, headers=headers, timeout=60, **kw)

    def submit(self, example: str = "land_site_complete.json", **changes) -> str:
        app = json.loads((EXAMPLES / example).read_text(encoding="utf-8")) | changes
        res = self.call("POST", "/v1/cases", json=app)
        assert res.status_code == 201, res.text
        case_id = res.json()["id"]
        self.delivered(case_id)
        return case_id

    def delivered(self, case_id: str, within: float = 30.0) -> None:
        """Wait until every plugin has the case: the API answers at its commit and plugins
        (the OA notice document, credit) hear of it afterwards, from the delivery worker."""
        from sqlmodel import Session

        from kernel.store.tables import Case

        end = time.monotonic() + within
        while time.monotonic() < end:
            with Session(self.kernel.db) as s:
                if s.get(Case, case_id).decision_delivered_at is not None:
                    return
            time.sleep(0.02)
        raise AssertionError(f"case {case_id} not delivered to the plugins within {within} s")

    def complete(self, case_id: str, at: str) -> None:
        res = self.call("POST", f"/v1/cases/{case_id}/complete", json={"result": "granted",
                                                                      "at": at})
        assert res.status_code == 200, res.text


def serve_hall(tmp_path: Path, disabled: set[str] = frozenset(), db_url: str | None = None):
    # every plugin's shipped rules, as `onetrip kpis` loads them (nothing here writes rules)
    kernel = start_kernel(db_url=db_url or f"sqlite:///{tmp_path / 'hall.db'}",
                          disabled=set(disabled), sandbox_dir=str(tmp_path / "replays"))
    config = ServerConfig(tokens=[TokenSpec(token=t, role=r) for r, t in TOKENS.items()])
    return kernel, create_app(kernel, config, sweep=False)
