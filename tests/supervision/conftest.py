"""Fixtures for the supervision tests: a live hall API (see tests/hallkit.py)."""

from __future__ import annotations

import logging

import pytest
from hallkit import Hall, serve_hall
from livekit import serving


@pytest.fixture
def hall(tmp_path, caplog, db_url):
    kernel, app = serve_hall(tmp_path, db_url=db_url)
    with caplog.at_level(logging.ERROR, logger="onetrip"), serving(app) as url:
        yield Hall(url, kernel)
    kernel.close()


@pytest.fixture
def hall_without_oa(tmp_path, caplog):
    kernel, app = serve_hall(tmp_path, disabled={"oa"})
    with caplog.at_level(logging.ERROR, logger="onetrip"), serving(app) as url:
        yield Hall(url, kernel)
    kernel.close()
