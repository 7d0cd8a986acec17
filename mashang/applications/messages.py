"""SMS and unit-message texts of applications (registered with the outbox's defaults)."""

TEMPLATES = {
    "application_received": "【衡南码上办】您的申请((number))已提交预审，进度见((link))",
    "application_accepted": "【衡南码上办】您的申请((number))已受理，承诺((date))前办结。",
    "application_deferred": "【衡南码上办】您的申请((number))已容缺受理，请于((date))前补齐：((materials))。",
    "application_correction": "【衡南码上办】您的申请((number))需补正，告知书见((link))",
    "application_refused": "【衡南码上办】您的申请((number))不予受理：((reason))",
    "application_decided": "【衡南码上办】您的申请((number))已办结审批（((decision))），((delivery))。",
    "application_completed": "【衡南码上办】您的申请((number))已办结，请评价：((link))",
    "application_withdrawn": "【衡南码上办】您的申请((number))已撤回。((reason))",
    "application_reminder": "【衡南码上办】提醒：申请((number))须于((date))前补齐容缺材料，逾期视为撤回。",
    "unit_application": "新办件待审查：((number))（((item))），承诺((date))前办结。",
    "application_warning": "黄色预警：办件((numbers))将到期（最早((due))），请抓紧审查。",
    "application_overdue": "红色预警：办件((numbers))已超过承诺时限（((count))件）。",
    "application_bad_rating": "办件((number))收到差评，须在1个工作日内联系申请人、整改并回访。",
}
