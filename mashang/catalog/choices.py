from django.db import models


class ItemKind(models.TextChoices):
    LICENSING = "licensing", "行政许可"
    PAYMENT = "payment", "行政给付"
    CONFIRMATION = "confirmation", "行政确认"
    LEVY = "levy", "行政征收"
    REWARD = "reward", "行政奖励"
    RULING = "ruling", "行政裁决"
    OTHER_POWER = "other_power", "其他行政权力"
    PUBLIC_SERVICE = "public_service", "公共服务"


class HandlingLevel(models.TextChoices):
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"


class ItemType(models.TextChoices):
    INSTANT = "instant", "即办件"
    PROMISED = "promised", "承诺件"


class ServiceScope(models.TextChoices):
    COUNTY = "county", "全县通办"
    CITY = "city", "全市通办"
    CROSS_PROVINCE = "cross_province", "跨省通办"


class ResultKind(models.TextChoices):
    CERTIFICATE = "certificate", "证书"
    LICENCE = "licence", "许可证"
    APPROVAL = "approval", "批准文书"
    REGISTRATION = "registration", "登记信息"
    PAYMENT = "payment", "待遇发放"
    OTHER = "other", "其他"


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    ORIGINAL_AND_COPY = "original_and_copy", "原件和复印件"
    ELECTRONIC = "electronic", "电子件"


class MaterialSource(models.TextChoices):
    """Where a material comes from: only the first kind is brought by the applicant."""

    APPLICANT = "applicant", "申请人提供"
    E_LICENSE = "e_license", "电子证照调取"
    GOVERNMENT = "government", "政府部门共享（免提交）"


class StepKind(models.TextChoices):
    ACCEPT = "accept", "受理"
    REVIEW = "review", "审查"
    INSPECT = "inspect", "现场核查"
    DECIDE = "decide", "决定"
    DELIVER = "deliver", "送达"


class FieldKind(models.TextChoices):
    TEXT = "text", "文本"
    LONGTEXT = "longtext", "多行文本"
    ID_NUMBER = "id_number", "身份证号"
    PHONE = "phone", "电话"
    DATE = "date", "日期"
    NUMBER = "number", "数字"
    CHOICE = "choice", "选项"
    USCC = "uscc", "统一社会信用代码"
    ADDRESS = "address", "地址"


class TopicKind(models.TextChoices):
    LIFE = "life", "个人生命周期"
    BUSINESS = "business", "企业生命周期"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已废止"
