from django.db import models


class Target(models.TextChoices):
    FIRM = "firm", "企业"
    PERSON = "person", "个人"


class PeriodKind(models.TextChoices):
    YEAR = "year", "按年"
    MONTH = "month", "按月"


class ParamKind(models.TextChoices):
    NUMBER = "number", "数值"
    PERCENT = "percent", "百分比"
    MONEY = "money", "金额（元）"
    TEXT_LIST = "list", "文字列表"


class GrantStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", "待审核"
    PENDING_SECOND = "pending_second", "待复核"
    AWAITING_CONFIRMATION = "awaiting", "待确认账户"
    TO_PAY = "to_pay", "待拨付"
    PAID = "paid", "已拨付"
    EXCLUDED = "excluded", "已排除"
    DECLINED = "declined", "已放弃"


class ImportKind(models.TextChoices):
    FIRMS = "firms", "企业数据"
    PERSONS = "persons", "居民数据"
