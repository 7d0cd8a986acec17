from django.db import models


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县（区）"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"
    HAMLET = "hamlet", "屋场党小组"


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "县直单位"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（居）委会"
    DISCIPLINE = "discipline", "县纪委监委"
    SUPERVISION = "supervision", "效能督查"
    DISPATCH = "dispatch", "诉求分拨中心"
    SERVICE_CENTRE = "service_centre", "政务服务中心"
    LEADER_OFFICE = "leader_office", "县领导办公室"
    # Utilities and vertical agencies with windows in the service centre (the catalogue's units).
    HOSTED = "hosted", "进驻单位"


class PositionTitle(models.TextChoices):
    BUREAU_CHIEF = "bureau_chief", "局长（主任）"
    PARTY_SECRETARY = "party_secretary", "乡镇党委书记"
    MAYOR = "mayor", "乡镇长（街道主任）"
    COUNTY_MAYOR = "county_mayor", "县长"
    COUNTY_SECRETARY = "county_secretary", "县委书记"
    DISCIPLINE_SECRETARY = "discipline_secretary", "县纪委书记"


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", "分拨员"
    HANDLER = "handler", "承办人"
    UNIT_LEADER = "unit_leader", "单位负责人"
    DISCIPLINE = "discipline", "纪检干部"
    SUPERVISOR = "supervisor", "效能督查员"
    COUNTY_LEADER = "county_leader", "县领导"
    ADMIN = "admin", "系统管理员"
    # The one-window pillar: one person often holds several roles (a unit clerk who handles
    # appeals and reviews applications), so staff carry a set of them.
    CATALOG_ADMIN = "catalog_admin", "事项管理员"
    POLICY_OFFICER = "policy_officer", "惠企政策专员"
    FINANCE_CLERK = "finance_clerk", "财务拨付员"
    # Applications (办件): any comprehensive window accepts any item; units review their part.
    WINDOW_CLERK = "window_clerk", "综合窗口人员"
    REVIEWER = "reviewer", "审批人员"
    # The hall floor: zones, windows, the queue and appointments; proxies file for citizens.
    HALL_MANAGER = "hall_manager", "大厅管理员"
    PROXY_CLERK = "proxy_clerk", "帮代办员"
