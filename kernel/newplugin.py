"""``onetrip new-plugin NAME``: a department plugin package that installs and passes its tests.

The package has a pyproject with the ``onetrip.plugins`` entry point, a plugin with its
hooks, a catalogue (one item with its implementation list), a rules folder citing its legal
basis, YAML cases and a pytest test using the test kit (whose fixtures load by pytest's
``pytest11`` entry point once onetrip is installed).
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

NAME_RE = re.compile(r"[a-z][a-z0-9_]{1,30}")

PYPROJECT = '''[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "onetrip-{dash}"
version = "0.1.0"
description = "onetrip department plugin: {name}"
requires-python = ">=3.11"
dependencies = ["onetrip>=0.1"]

[project.optional-dependencies]
test = ["pytest>=8"]

# onetrip finds every plugin through this group
[project.entry-points."onetrip.plugins"]
{name} = "onetrip_{name}"

[tool.setuptools.packages.find]
include = ["onetrip_{name}*"]

[tool.setuptools.package-data]
"onetrip_{name}" = ["*.yaml", "rules/**/*.yaml"]

[tool.pytest.ini_options]
testpaths = ["tests"]
filterwarnings = ["error"]
'''

README = '''# onetrip-{dash}

The {name} department's plugin for onetrip: its items (`onetrip_{name}/catalogue.yaml`),
facts, and rules (`onetrip_{name}/rules/{name}/`), each citing its legal basis.

```bash
pip install -e ".[test]"     # registers the plugin (entry point onetrip.plugins: {name})
onetrip plugins              # {name} is listed with its distribution and hooks
onetrip lint                 # every rule file, this plugin's included, against the catalogue
pytest                       # the YAML cases in tests/cases and tests/test_plugin.py
```

Change the example item, its materials and limits to the department's implementation list
(实施清单); `onetrip schema catalogue` and `onetrip schema rules` give the JSON Schemas and
`onetrip facts` every fact a rule may name.
'''

PLUGIN = '''"""The {name} department: its items, facts and rules."""

from __future__ import annotations

from pathlib import Path

from kernel import hookimpl

__version__ = "0.1.0"
HERE = Path(__file__).parent


class Plugin:
    """The {name} department: its catalogue, its facts and its rules."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.load(HERE / "catalogue.yaml")

    @hookimpl
    def onetrip_register_facts(self, facts):
        # facts of this plugin are named {name}.<field>
        facts.declare("{name}.key_project", "boolean",
                      "the project is on the government's key-project list (重点项目)",
                      applicant=True)
        facts.declare("{name}.first_application", "boolean",
                      "the applicant's first application to the department")

    @hookimpl
    def onetrip_enrich_facts(self, case, facts):
        # look the applicant up in the department's own records here; fast, no side effects
        facts["{name}.first_application"] = True

    @hookimpl
    def onetrip_rule_dirs(self):
        return [HERE / "rules"]
'''

CATALOGUE = '''# Items of the {name} department (事项目录); replace the example with the
# department's implementation list (实施清单). Schema: `onetrip schema catalogue`.
department: {name}
items:
  - code: {code}
    name: 示例许可事项（请改为本部门事项）
    department: {name}
    kind: licence
    legal_basis: 《中华人民共和国行政许可法》第四十二条
    legal_limit: {{working_days: 20}}
    committed_limit: {{working_days: 10}}
    implementation:
      {{code: "000000-{upper}-001", body: 本部门, level: city, handling: 承诺件, visits: 1,
       fee: 不收费, one_window: true, online: apply}}
    materials:
      - {{code: {code}-M-APPLICATION, name: 申请书, role: main}}
      - {{code: {code}-M-LICENCE, name: 营业执照, role: secondary,
         shared_source: 市场主体登记信息库}}
      - {{code: {code}-M-PHOTOS, name: 现场照片, role: secondary, tolerable: true}}
'''

RULES = '''# Rules of the {name} department; schema: `onetrip schema rules`.
ruleset: {name}.limits
version: "1"
department: {name}
title: 承诺时限
reference: 《中华人民共和国行政许可法》第四十二条；本部门承诺时限（请改为实际依据）
effective: {{from: 2019-01-01}}
rules:
  - id: key-projects-within-half-a-day
    title: 重点项目：半个工作日内（4个办公小时）办结
    when:
      all:
        - {{fact: item.code, eq: {code}}}
        - {{fact: {name}.key_project, eq: true}}
    then:
      - set_time_limit: {{committed: {{office_hours: 4}}}}
'''

CASES = '''# YAML cases: each runs on a fresh kernel with every installed plugin (`pytest`, or
# `onetrip test tests/cases`); only what `expect` names is checked.
- name: 材料齐全：受理，承诺10个工作日
  application:
    items: [{code}]
    applicant: {{kind: organisation, name: 遂宁市测试有限公司, credit_code: 91510900MA0000001X}}
    submitted_at: 2019-08-05T10:00:00+08:00
    materials: [{code}-M-APPLICATION, {code}-M-PHOTOS]
  expect:
    outcome: accepted
    waived: {{{code}-M-LICENCE: data_sharing}}
    due: {{legal: 2019-09-02, committed: 2019-08-19}}
    not_fired: [key-projects-within-half-a-day]

- name: 重点项目：当日15:30前办结（4个办公小时）
  application:
    items: [{code}]
    applicant: {{kind: organisation, name: 遂宁市测试有限公司, credit_code: 91510900MA0000001X}}
    submitted_at: 2019-08-05T10:00:00+08:00
    materials: [{code}-M-APPLICATION, {code}-M-PHOTOS]
    facts: {{{name}.key_project: true}}
  expect:
    outcome: accepted
    due: {{committed: 2019-08-05T15:30:00+08:00}}
    fired: [key-projects-within-half-a-day]

- name: 缺申请书（主件）：一次性告知补正
  application:
    items: [{code}]
    applicant: {{kind: person, name: 张三, id_number: "510903198001010011"}}
    submitted_at: 2019-08-05T10:00:00+08:00
    materials: [{code}-M-PHOTOS]
  expect:
    outcome: correction_required
    required: [{code}-M-APPLICATION]
'''

TEST = '''"""The {name} plugin alone, installed, and against the kernel's contract (the onetrip test
kit's fixtures load by pytest's entry point)."""

from onetrip_{name} import Plugin

ITEM = "{code}"


def test_the_plugin_conforms(onetrip_conformance):
    onetrip_conformance("{name}", Plugin())


def test_a_complete_application_is_accepted_with_the_committed_limit(
        onetrip_kernel_factory, onetrip_case, onetrip_calendar):
    kernel = onetrip_kernel_factory(("{name}", Plugin()))
    decision, _ = kernel.evaluate(onetrip_case(kernel, ITEM))
    assert decision.outcome == "accepted"
    assert decision.due.committed == onetrip_calendar.due({{"working_days": 10}}).when


def test_a_key_project_is_due_in_four_office_hours(
        onetrip_kernel_factory, onetrip_case, onetrip_calendar):
    kernel = onetrip_kernel_factory(("{name}", Plugin()))
    app = onetrip_case(kernel, ITEM, facts={{"{name}.key_project": True}})
    decision, _ = kernel.evaluate(app)
    assert decision.due.committed == onetrip_calendar.due({{"office_hours": 4}}).when


def test_a_missing_main_material_needs_correction(onetrip_kernel_factory, onetrip_case):
    kernel = onetrip_kernel_factory(("{name}", Plugin()))
    decision, _ = kernel.evaluate(onetrip_case(kernel, ITEM, missing=[ITEM + "-M-APPLICATION"]))
    assert decision.outcome == "correction_required"


def test_installed_beside_the_other_plugins(onetrip_kernel):
    assert "{name}" in onetrip_kernel.plugins
    assert ITEM in onetrip_kernel.items.items


def test_the_api_serves_the_item(onetrip_kernel_factory, onetrip_api):
    api = onetrip_api(onetrip_kernel_factory(("{name}", Plugin())))
    status, body = api.get("/v1/items/" + ITEM)
    assert (status, body["department"]) == (200, "{name}")
'''

FILES = {
    "pyproject.toml": PYPROJECT, "README.md": README,
    "onetrip_{name}/__init__.py": PLUGIN, "onetrip_{name}/catalogue.yaml": CATALOGUE,
    "onetrip_{name}/rules/{name}/limits.yaml": RULES,
    "tests/cases/{name}.yaml": CASES, "tests/test_plugin.py": TEST,
}


def check_name(name: str) -> str | None:
    """Why ``name`` cannot name a plugin, or None."""
    if not NAME_RE.fullmatch(name) or keyword.iskeyword(name):
        return ("a plugin name is 2-31 lower-case letters, digits or _, starting with a "
                "letter (it is also the plugin's fact namespace)")
    return None


def write(name: str, folder: Path) -> list[Path]:
    """Write the package into ``folder`` (which must not exist); returns the files."""
    upper = name.upper().replace("_", "-")
    values = {"name": name, "dash": name.replace("_", "-"), "upper": upper,
              "code": f"{upper}-PERMIT"}
    folder.mkdir(parents=True)
    written = []
    for path, text in FILES.items():
        target = folder / path.format(**values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.format(**values), encoding="utf-8")
        written.append(target)
    return written
