"""The credit plugin's tables, record files and profile query, on a real database."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from kernel.store.db import make_engine
from kernel.yamlsrc import SourceError, load
from plugins.credit import records
from plugins.credit.store import CreditStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

A, DISHONEST, BROKEN, REPAIRED = ("91510900MA62000018", "91510900MA6200002B",
                                  "91510900MA6200003E", "91510900MA6200004H")


@pytest.fixture
def store(db_url):
    s = CreditStore(make_engine(db_url))
    s.create_tables()
    yield s
    s.engine.dispose()


def test_tables_are_the_plugins_own(store):
    names = set(inspect(store.engine).get_table_names())
    assert {"credit_subject", "credit_listing", "credit_commitment"} <= names


def test_example_records_load_and_give_the_facts_rules_use(store):
    counts = records.load_file(store, EXAMPLES / "credit_records.yaml")
    assert counts == {"subjects": 5, "listings": 2, "commitments": 1}
    day = date(2019, 8, 5)
    assert store.profile(A, day).facts() == {
        "credit.known": True, "credit.rating": "A", "credit.dishonest": False,
        "credit.serious_dishonesty": False, "credit.broken_commitments": 0}
    assert store.profile(DISHONEST, day).dishonest
    assert store.profile(BROKEN, day).broken_commitments == 1
    assert not store.profile(REPAIRED, day).serious_dishonesty      # repaired 2019-06-30
    assert store.profile(REPAIRED, date(2019, 6, 29)).serious_dishonesty


def test_loading_twice_changes_nothing(store):
    records.load_file(store, EXAMPLES / "credit_records.yaml")
    records.load_file(store, EXAMPLES / "credit_records.yaml")
    assert len(store.records(DISHONEST)["listings"]) == 1
    assert len(store.records(BROKEN)["commitments"]) == 1


def test_unknown_applicant_is_no_record_not_an_error(store):
    profile = store.profile("91350100M000100Y43", date(2019, 8, 5))
    assert profile.facts() == {"credit.known": False, "credit.dishonest": False,
                               "credit.serious_dishonesty": False,
                               "credit.broken_commitments": 0}
    assert store.records("91350100M000100Y43") is None


def test_listing_validity_is_inclusive_on_both_ends(store):
    records.load_file(store, EXAMPLES / "credit_records.yaml")
    assert not store.profile(DISHONEST, date(2019, 2, 28)).dishonest
    assert store.profile(DISHONEST, date(2019, 3, 1)).dishonest
    assert store.profile(DISHONEST, date(2021, 2, 28)).dishonest
    assert not store.profile(DISHONEST, date(2021, 3, 1)).dishonest


def test_a_rating_published_after_the_case_does_not_apply(store):
    records.load_file(store, EXAMPLES / "credit_records.yaml")
    assert store.profile(A, date(2019, 4, 14)).rating is None
    assert store.profile(A, date(2019, 4, 15)).rating == "A"


def test_a_broken_commitment_counts_from_the_day_it_was_settled(store):
    records.load_file(store, EXAMPLES / "credit_records.yaml")
    assert store.profile(BROKEN, date(2018, 11, 20)).broken_commitments == 0
    assert store.profile(BROKEN, date(2018, 11, 21)).broken_commitments == 1


BAD_CODE = """\
subjects:
  - credit_code: 91510900MA62000018
    name: 好公司
  - credit_code: 91510900MA62000019
    name: 校验位错误的公司
"""


def test_a_bad_credit_code_is_rejected_with_its_line_and_nothing_is_loaded(store, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_CODE, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        records.load_file(store, path)
    (problem,) = err.value.problems
    assert problem.line == 4 and "check character" in problem.message
    assert str(problem).startswith(f"{path}:4: subjects.1.credit_code")
    assert store.records(A) is None


@pytest.mark.parametrize("snippet, line, words", [
    ("subjects:\n  - name: 无代码\n", 2, "exactly one of credit_code"),
    ("subjects:\n  - id_number: '510903198001010012'\n    name: 张\n", 2, "check character"),
    ("subjects:\n  - credit_code: 91510900MA62000018\n    name: x\n    listings:\n"
     "      - {kind: blacklist, authority: x, from: 2019-01-01}\n", 5, "judgment_defaulter"),
    ("subjects:\n  - credit_code: 91510900MA62000018\n    name: x\n    commitments:\n"
     "      - {case: C1, made_on: 2019-01-01, status: broken}\n", 5, "settled_on"),
])
def test_bad_records_name_file_line_and_field(tmp_path, snippet, line, words):
    path = tmp_path / "bad.yaml"
    path.write_text(snippet, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        records.parse(load(path))
    assert any(p.line == line and words in p.message for p in err.value.problems), err.value


@pytest.mark.parametrize("size", [50_000, 5], ids=["everyone-read-at-once", "one-by-one"])
def test_a_private_store_answers_every_day_as_the_query_does(db_url, size):
    """Kept per stretch between record dates (the sandbox's store), a profile is still the
    day's own: every day of four years, for each example subject and an unknown one."""
    from datetime import timedelta

    engine = make_engine(db_url)
    plain = CreditStore(engine, ttl=0)
    private = CreditStore(engine, private=True, size=size)
    plain.create_tables()
    records.load_file(plain, EXAMPLES / "credit_records.yaml")
    who = [A, DISHONEST, BROKEN, REPAIRED, "510903198001010011", "91350100M000100Y43"]
    for identifier in who:  # six subjects: more than 5 are read one by one
        day = date(2018, 1, 1)
        while day < date(2022, 1, 1):
            assert private.profile(identifier, day) == plain.profile(identifier, day), (
                identifier, day)
            day += timedelta(days=1)
    assert len(private._cache) < 20  # a few stretches each, not a profile per day
    engine.dispose()
