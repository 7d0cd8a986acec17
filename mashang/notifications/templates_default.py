"""Default message texts (Chinese, ≤ 70 characters where one SMS should do).

Placeholders are ((name)), as GOV.UK Notify writes them. Administrators override a text in
the admin (MessageTemplate); the key stays the same.
"""

DEFAULTS = {
    "sms_code": "【衡南码上办】验证码((code))，5分钟内有效。如非本人操作请忽略。",
    "appeal_received": "【衡南码上办】您的诉求已受理登记，编号((number))，查询码((query_code))。"
                       "我们将在1小时内分派办理。",
    "accusation_received": "【衡南码上办】您的检举控告已收到，编号((number))，查询码((query_code))。"
                           "县纪委监委将依规处理。",
}
