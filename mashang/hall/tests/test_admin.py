from mashang.testing import PASSWORD


def test_administrators_set_up_zones_and_windows_in_the_admin(client, hall, people):
    client.login(username="t_admin", password=PASSWORD)
    assert "综合受理区" in client.get("/admin/hall/zone/").content.decode()
    response = client.post(
        f"/admin/hall/window/{hall.w9.pk}/change/",
        {
            "hall": hall.hall.pk,
            "number": 9,
            "name": "社保综合窗口",
            "accepts_all": "on",
            "zones": [hall.b.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    hall.w9.refresh_from_db()
    assert hall.w9.accepts_all and hall.w9.name == "社保综合窗口"
    assert client.get("/admin/hall/ticket/add/").status_code == 403
