from django.db import models

from mashang.directory.choices import PositionTitle


class QRKind(models.TextChoices):
    BUREAU = "bureau", "局长“码”上办"
    TOWNSHIP = "township", "书记（镇长）“码”上办"
    DISCIPLINE = "discipline", "县纪委书记“码”上查"
    COUNTY_MAYOR = "county_mayor", "“码”上找县长"
    COUNTY_SECRETARY = "county_secretary", "“码”上找县委书记"


# Which positions of the addressee unit a kind of code speaks to.
KIND_TITLES = {
    QRKind.BUREAU: [PositionTitle.BUREAU_CHIEF],
    QRKind.TOWNSHIP: [PositionTitle.PARTY_SECRETARY, PositionTitle.MAYOR],
    QRKind.DISCIPLINE: [PositionTitle.DISCIPLINE_SECRETARY],
    QRKind.COUNTY_MAYOR: [PositionTitle.COUNTY_MAYOR],
    QRKind.COUNTY_SECRETARY: [PositionTitle.COUNTY_SECRETARY],
}


class PlacementStatus(models.TextChoices):
    ACTIVE = "active", "使用中"
    RETIRED = "retired", "已停用"
