def test_health_reports_ok_on_both_databases(http) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
