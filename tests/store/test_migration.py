"""Upgrading stores: rows delivered before the outbox are not replayed; timers keep firing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alembic import command
from casekit import TEST_RULES, Listener, application, tolerated_application
from sqlalchemy import inspect, text

from kernel.store import start_kernel
from kernel.store.db import alembic_config, make_engine
from kernel.store.lifecycle import Lifecycle


def test_upgrade_marks_earlier_rows_delivered(db_url):
    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text(
            "INSERT INTO cases (id, state, outcome, applicant_kind, applicant_name, "
            "applicant_identifier, items, application, decision, rulesets, submitted_at, "
            "updated_at) VALUES ('old', 'in_review', 'accepted', 'person', 'x', 'y', '[]', "
            "'{}', '{}', '[]', '2019-07-25 02:00:00', '2019-07-25 02:00:00')"))
        conn.execute(text(
            "INSERT INTO case_events (case_id, seq, kind, at, payload, recorded_at) "
            "VALUES ('old', 1, 'submitted', '2019-07-25 02:00:00', '{}', "
            "'2019-07-25 02:00:00')"))
    engine.dispose()
    listener = Listener()
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES,
                          extra_plugins=[("listener", listener)])
    try:
        lc = Lifecycle(kernel, redeliver_after=timedelta(0))  # migrates to head
        assert lc.outbox.redeliver() == 0
        new, _ = lc.submit(application())
        assert listener.decisions == [new]
        assert {c for c, _ in listener.events} == {new}
    finally:
        kernel.close()


def test_timer_attempts_down_and_up_again_keep_a_pending_timer_firing(db_url):
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES)
    cfg = alembic_config()
    try:
        lc = Lifecycle(kernel)  # the store is at head
        case_id, _ = lc.submit(tolerated_application())
        with kernel.db.begin() as conn:
            command.downgrade(_on(cfg, conn), "0002")
            assert "attempts" not in {c["name"] for c in inspect(conn).get_columns("timers")}
        with kernel.db.begin() as conn:
            command.upgrade(_on(cfg, conn), "head")
            row = conn.execute(text("SELECT attempts, last_error, retry_at FROM timers")).one()
        assert tuple(row) == (0, None, None)
        assert lc.sweep(datetime(2019, 8, 5, 9, tzinfo=timezone(timedelta(hours=8)))) == 1
        assert lc.get(case_id)["state"] == "re_notified"
    finally:
        kernel.close()


def _on(cfg, conn):
    cfg.attributes["connection"] = conn
    return cfg


def test_database_errors_never_carry_bound_values(tmp_path):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = make_engine(f"sqlite:///{tmp_path / 'hidden.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id TEXT PRIMARY KEY)"))
    secret = "11010519491231002X"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": secret})
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": secret})
    except IntegrityError as exc:
        assert secret not in str(exc)
    else:
        raise AssertionError("the duplicate was accepted")
    engine.dispose()
