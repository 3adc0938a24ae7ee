"""Art. 42 for joint handling: 45 working days, extended by at most 15 with approval."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from casekit import TEST_RULES

from kernel.cases import CaseCatalogue
from kernel.core import InputError
from kernel.models import Item
from kernel.store import start_kernel
from kernel.store.lifecycle import Lifecycle

JOINT = Item(code="JOINT-PERMIT", name="联合办理的许可", department="natural_resources",
             legal_basis="《行政许可法》第二十六条第二款", legal_limit={"working_days": 45},
             committed_limit={"working_days": 30}, joint_handling=True,
             materials=[{"code": "J-M1", "name": "申请表", "role": "main"}])
APP = {"items": ["JOINT-PERMIT"], "submitted_at": "2019-07-25T10:00:00+08:00",
       "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
       "materials": ["J-M1"]}


@pytest.fixture
def lc(db_url):
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES,
                          extra_plugins=[("catalogue", CaseCatalogue([JOINT]))])
    yield Lifecycle(kernel)
    kernel.close()


def test_joint_handling_is_extended_by_at_most_fifteen_working_days(lc):
    case_id, _ = lc.submit(APP)
    assert lc.get(case_id)["due"] == {"committed": date(2019, 9, 5), "legal": date(2019, 9, 27)}
    when = datetime(2019, 9, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with pytest.raises(InputError) as exc:
        lc.extend(case_id, "市政府副市长李某", "需多部门会商", when, working_days=16)
    assert exc.value.field == "working_days"
    lc.extend(case_id, "市政府副市长李某", "需多部门会商", when)
    view = lc.get(case_id)
    # 45 + 15 = 60 working days after 07-25: 10-23; the committed 30 + 15 = 45: 09-27.
    assert view["due"] == {"committed": date(2019, 9, 27), "legal": date(2019, 10, 23)}
    assert view["extension"]["working_days"] == 15
