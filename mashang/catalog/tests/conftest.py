import pytest

from mashang.catalog.testing import form_field, material_type


@pytest.fixture
def kit(county):
    """Material types and fields most tests use."""

    class Kit:
        id_card = material_type("id_card", "居民身份证", e_license_type="居民身份证")
        hukou = material_type("hukou", "户口簿")
        birth_cert = material_type("birth_cert", "出生医学证明")
        income = material_type("income", "家庭收入情况", government_holds=True)
        photo = material_type("photo", "照片")
        name = form_field("applicant_name", "申请人姓名")
        id_number = form_field("id_number", "身份证号", "id_number")
        child = form_field("child_name", "新生儿姓名")

    return Kit
