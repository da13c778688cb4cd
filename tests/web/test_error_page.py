"""A browser that asks for an address outside the app gets a page, with the address escaped;
API clients keep getting JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app


def test_unknown_address_in_a_browser_gets_an_escaped_html_page():
    with TestClient(create_app()) as client:
        response = client.get("/lesson/<script>alert(1)</script>", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_unknown_api_address_stays_json_even_for_a_browser():
    with TestClient(create_app()) as client:
        response = client.get("/api/lesson", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert "/api/lesson" in response.json()["detail"]
