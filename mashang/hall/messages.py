"""SMS texts of the hall (registered with the outbox's defaults)."""

TEMPLATES = {
    "hall_ticket_near": "【衡南码上办】您的号码((number))前面还有((ahead))人，请回到((hall))等候叫号。",
    "hall_ticket_called": "【衡南码上办】请((number))号到((window))办理。",
    "hall_booked": "【衡南码上办】您已预约((hall))((zone))，((when))，预约码((code))。取消或改约：((link))",
    "hall_reminder": "【衡南码上办】提醒：您预约了明天((when))到((hall))((zone))办理，预约码((code))。",
    "hall_cancelled": "【衡南码上办】您((when))的预约已取消。",
    "hall_visit_scheduled": "【衡南码上办】上门办：工作人员将于((when))上门办理((what))。",
}
