"""Resident ID numbers and unified social credit codes are checked by their check characters."""

import pytest
from pydantic import ValidationError

from kernel.ids import (
    credit_check_char,
    id_check_char,
    mask,
    validate_credit_code,
    validate_id_number,
)
from kernel.models import Application


def test_check_characters_of_published_examples():
    # GB 11643 appendix example and a code printed on a real business licence
    assert id_check_char("11010519491231002") == "X"
    assert credit_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100Y4", "9135010OM000100Y43"])
def test_bad_credit_codes_are_refused(code):
    with pytest.raises(ValueError):
        validate_credit_code(code)


def _app(applicant):
    return {"items": ["NR-LAND-SITE"], "applicant": applicant,
            "submitted_at": "2019-07-25T10:00:00+08:00"}


def test_application_names_the_bad_field():
    with pytest.raises(ValidationError) as info:
        Application.model_validate(_app({"kind": "person", "name": "张三",
                                         "id_number": "110105194912310021"}))
    err = info.value.errors()[0]
    assert err["loc"] == ("applicant", "person", "id_number")
    assert "check character" in err["msg"]


def test_naive_datetime_is_refused():
    data = _app({"kind": "person", "name": "张三", "id_number": "11010519491231002X"})
    data["submitted_at"] = "2019-07-25T10:00:00"
    with pytest.raises(ValidationError) as info:
        Application.model_validate(data)
    assert info.value.errors()[0]["loc"] == ("submitted_at",)


def test_mask_keeps_only_ends():
    assert mask("11010519491231002X") == "1101************2X"


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                          "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")


@pytest.mark.parametrize("check", [validate_credit_code, validate_id_number])
def test_digits_of_other_scripts_are_refused(check):
    good = "91350100M000100Y43" if check is validate_credit_code else "11010519491231002X"
    with pytest.raises(ValueError):
        check(good.translate(ARABIC_INDIC))


@pytest.mark.parametrize("good", ["91350100M000100Y43", "11010519491231002X"])
def test_fullwidth_forms_are_stored_as_ascii(good):
    check = validate_credit_code if good.startswith("9") else validate_id_number
    assert check(good.translate(FULLWIDTH)) == good


def test_an_arabic_indic_id_is_a_422_not_a_decision():
    with pytest.raises(ValidationError) as info:
        Application.model_validate(_app({"kind": "person", "name": "张三",
                                         "id_number": "11010519491231002X".translate(
                                             ARABIC_INDIC)}))
    assert "id_number" in str(info.value)
