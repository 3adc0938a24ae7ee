"""A live API over every shipped plugin: its own store, writable rule copies, one admin token."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass

import pytest
from livekit import serving

from kernel.http.app import create_app
from kernel.http.auth import ServerConfig, TokenSpec
from kernel.store import start_kernel
from rules import RULES_DIR

ADMIN = "admin-token-0123456789abcdef"


@dataclass
class LiveAPI:
    url: str
    kernel: object
    token: str = ADMIN

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def live_api(tmp_path, caplog):
    """The API on 127.0.0.1; a PUT of a ruleset writes to copies, never to the repository."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    kernel = start_kernel(db_url=f"sqlite:///{tmp_path / 'api.db'}", disabled=set(),
                          rule_dirs=[rules / "common", rules / "natural_resources"],
                          oa_rule_dirs=[rules / "oa"], sandbox_dir=str(tmp_path / "replays"),
                          sandbox_workers=1)
    config = ServerConfig(tokens=[TokenSpec(token=ADMIN, role="admin")])
    with caplog.at_level(logging.ERROR, logger="onetrip"), \
            serving(create_app(kernel, config, sweep=False)) as url:
        yield LiveAPI(url, kernel)
    kernel.close()
