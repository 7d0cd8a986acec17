"""Everyday phrasings for the 办事指南 search, loaded with the demo (the centre edits them after).

They are ordinary `Synonym` rows: the centre changes or deletes them in the admin
(/admin/catalog/synonym/) and the search picks the change up within seconds.
"""

from .models import Synonym

EVERYDAY_SYNONYMS = [
    ("生孩子", "出生", "新生儿出生一件事"),
    ("生小孩", "出生", ""),
    ("生娃", "出生", ""),
    ("小孩上户口", "出生登记", ""),
    ("超市", "便利店", ""),
    ("自来水", "用水", ""),
    ("小卖部", "便利店", ""),
    ("公司", "企业", "事项名称里叫“企业”"),
    ("改名", "变更", ""),
    ("开宾馆", "开办旅馆", ""),
    ("开民宿", "开办旅馆", ""),
    ("开公司", "企业设立登记", ""),
    ("扯证", "结婚登记", "俗称"),
    ("领结婚证", "结婚登记", ""),
    ("过世", "身后事", ""),
    ("人走了", "身后事", ""),
    ("办丧事", "身后事", ""),
    ("养老金", "养老保险待遇", ""),
    ("驾照", "机动车驾驶证", ""),
    ("迁户口", "户口迁移", ""),
    ("补身份证", "居民身份证申领", ""),
    ("盖房子", "村民建房", "农村"),
    ("起房子", "村民建房", "农村"),
    ("失业了", "失业保险金", ""),
    ("残疾补贴", "困难残疾人生活补贴", ""),
    ("贷款买房", "公积金贷款购房", ""),
    ("读书", "入学", ""),
    ("上小学", "入学", ""),
]


def load_guide_synonyms() -> int:
    """Add the phrasings the centre does not have yet (never overwrites an edited one)."""
    have = set(Synonym.objects.values_list("phrase", flat=True))
    new = [Synonym(phrase=p, canonical=c, note=n) for p, c, n in EVERYDAY_SYNONYMS if p not in have]
    Synonym.objects.bulk_create(new)
    return len(new)
