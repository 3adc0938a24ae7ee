"""Every kind of broken rule file is refused with its file and line; nothing is half-loaded."""

import re
import shutil
from pathlib import Path

import pytest

from kernel.yamlsrc import SourceError

BAD = Path(__file__).with_name("bad_rules")
CASES = sorted(BAD.glob("*.yaml"))


def _expectation(path: Path) -> tuple[int, str]:
    line, text = re.fullmatch(r"# expect: (\d+): (.*)", path.read_text().splitlines()[0]).groups()
    return int(line), text


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_file_names_file_and_line(kernel, path):
    line, text = _expectation(path)
    with pytest.raises(SourceError) as info:
        kernel.load_rules([path])
    problems = info.value.problems
    assert any(p.file == str(path) and p.line == line and text in p.message for p in problems), (
        "\n".join(map(str, problems)))


def test_two_versions_in_force_on_one_day(kernel):
    with pytest.raises(SourceError) as info:
        kernel.load_rules([BAD / "overlap"])
    (problem,) = info.value.problems
    assert problem.file.endswith("b.yaml") and problem.line == 2
    assert "in force on the same days as version 2019.1" in problem.message


@pytest.mark.parametrize("bad", ["unknown_action", "too_wide"])  # refused by check, engine
def test_a_failed_reload_keeps_the_rules_in_force(kernel, land_site, tmp_path, bad):
    rules = tmp_path / "rules"
    shutil.copytree(kernel.rule_dirs[0], rules / "common")
    kernel.rule_dirs = [rules]
    kernel.reload_rules()
    before = [r.id for r in kernel.rulebook.rules]
    shutil.copy(BAD / f"{bad}.yaml", rules / "broken.yaml")
    with pytest.raises(SourceError):
        kernel.reload_rules()
    assert [r.id for r in kernel.rulebook.rules] == before
    decision, _ = kernel.evaluate(land_site)
    assert {t.rule for t in decision.trace} == {"waive-shared-data",
                                                "extension-ten-working-days"}


def test_shipped_rules_lint_clean(kernel):
    book = kernel.load_rules()
    assert book.rules and all(r.reference for r in book.rules)
    book.close()
