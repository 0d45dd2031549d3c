"""Under /console every refusal is a Russian page, while /api/v1 keeps its JSON."""

from __future__ import annotations

import httpx


def _is_page(answer: httpx.Response) -> bool:
    return answer.headers["content-type"].startswith("text/html")


def test_an_unknown_console_path_is_a_russian_not_found_page(gateway, browser):
    admin = browser("root", "admin")

    answer = admin.get("/console/nonexistent")

    assert answer.status_code == 404
    assert _is_page(answer)
    assert "Не найдено" in answer.text
    assert 'href="/console/orders"' in answer.text  # the operator's navigation


def test_an_unknown_console_path_is_a_page_before_sign_in_too(console_url):
    answer = httpx.get(f"{console_url}/console/nonexistent")

    assert answer.status_code == 404
    assert _is_page(answer) and "Не найдено" in answer.text


def test_letters_where_an_order_id_goes_name_the_value_in_russian(gateway, browser):
    admin = browser("root", "admin")

    answer = admin.get("/console/orders/abc")

    assert answer.status_code == 422
    assert _is_page(answer)
    assert "Неверный адрес страницы" in answer.text
    assert "«order_id» в адресе" in answer.text


def test_a_method_a_console_page_does_not_take_is_a_page(gateway, browser):
    admin = browser("root", "admin")

    answer = admin.client.delete("/console/orders")

    assert answer.status_code == 405
    assert _is_page(answer) and "Запрос не выполнен" in answer.text


def test_the_rest_api_keeps_its_json_problems(console_url):
    missing = httpx.get(f"{console_url}/api/v1/no-such-thing")
    wrong = httpx.get(f"{console_url}/api/v1/orders/abc")

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert wrong.headers["content-type"].startswith("application/json")
    assert "error" in wrong.json()
