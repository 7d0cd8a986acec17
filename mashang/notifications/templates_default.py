"""Default message texts (Chinese, ≤ 70 characters where one SMS should do).

Placeholders are ((name)), as GOV.UK Notify writes them. Administrators override a text in
the admin (MessageTemplate); the key stays the same.
"""

DEFAULTS = {
    "sms_code": "【衡南码上办】验证码((code))，5分钟内有效。如非本人操作请忽略。",
    "appeal_received": "【衡南码上办】您的诉求已受理登记，编号((number))，查询码((query_code))。"
    "我们将在工作时间1小时内分派办理。",
    "accusation_received": "【衡南码上办】您的检举控告已收到，编号((number))，查询码((query_code))。"
    "县纪委监委将依规处理。",
    "appeal_accepted": "【衡南码上办】您的诉求((number))已由((unit))受理，正在办理。",
    "appeal_extended": "【衡南码上办】您的诉求((number))办理期限延至((date))，原因：((reason))",
    "appeal_question": "【衡南码上办】办理您的诉求((number))需要补充信息，请到诉求查询页回复。",
    "appeal_replied": "【衡南码上办】您的诉求((number))已办结，请查看结果并评价：((link))",
    "appeal_invalid": "【衡南码上办】您的诉求((number))未予受理：((reason))",
    "appeal_merged": "【衡南码上办】您的诉求((number))与((original))为同一事项，((progress))。",
    "appeal_rehandled": "【衡南码上办】您的诉求((number))已安排重新办理。",
    "accusation_concluded": "【衡南码上办】您的检举控告((number))已办结，可凭查询码查看反馈。",
    "unit_citizen_info": "诉求((number))：群众补充了信息，请查看。",
    "unit_dispatched": "新派单：诉求((number))，请在30分钟内受理。",
    "deadline_warning": "黄色预警：((numbers))的((limit))将到期（最早((due))），请抓紧办理。",
    "deadline_overdue": "红色预警：((numbers))已超过((limit))（((count))件），请立即办理。",
    "overdue_digest": "本轮巡检新增超时诉求((count))件：((numbers))。",
    "bad_rating_overdue": "实名差评诉求((number))超过1个工作日仍未联系群众，请立即处理。",
    "order_issued": "督办：诉求((number))，请于((due))前答复。事由：((reason))",
    "order_overdue": "督办单超期未答复：诉求((number))（第((times))次升级）((unit))。",
}
