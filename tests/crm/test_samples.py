"""Every captured CRM body is accepted by its adapter; a wrong secret gets 401."""

from __future__ import annotations

import base64
import json
import time

import pytest
from standardwebhooks.webhooks import Webhook

from connectors.crm.hubspot import signature_v1, signature_v2, signature_v3
from connectors.crm.signing import new_secret
from tests.crm.conftest import CRM_SAMPLES
from tests.crm.forms import to_form

BITRIX_TOKEN = "jvh9y1ulvt2m6k5or90v9mg8nn32ozas"
VECTORS = json.loads(
    (CRM_SAMPLES / "hubspot" / "signature_test_vectors.json").read_text()
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _bitrix_body(name: str, token: str) -> bytes:
    tree = json.loads((CRM_SAMPLES / "bitrix24" / name).read_text())
    tree["auth"]["application_token"] = token
    return to_form(tree)


def test_hubspot_signature_vectors_pass():
    secret, body = VECTORS["client_secret"], VECTORS["request_body"].encode()
    method, uri, ts = VECTORS["http_method"], VECTORS["url"], VECTORS["timestamp"]

    v3 = signature_v3(secret, method, uri, body, ts)

    assert v3 == VECTORS["v3_base64_hmac_sha256(secret, method+uri+body+timestamp)"]
    assert (
        signature_v2(secret, method, uri, body)
        == VECTORS["v2_hex_sha256(secret+method+uri+body)"]
    )
    assert signature_v1(secret, body) == VECTORS["v1_hex_sha256(secret+body)"]


@pytest.mark.parametrize(
    "sample",
    [
        "event_ONCRMDEALADD_to_outgoing_webhook.json",
        "event_ONCRMDEALADD_to_application.json",
        "event_ONCRMDEALUPDATE_to_application.json",
    ],
)
def test_bitrix24_samples_are_accepted(gateway, sample):
    path = gateway.hook("bitrix24", {"application_token": BITRIX_TOKEN})

    answer = gateway.post(
        path, content=_bitrix_body(sample, BITRIX_TOKEN), headers=FORM
    )

    assert answer.status_code == 200


def test_bitrix24_raw_form_sample_is_accepted_with_its_token(gateway):
    raw = (
        CRM_SAMPLES / "bitrix24" / "event_ONCRMCONTACTADD_raw_body.form"
    ).read_bytes()
    path = gateway.hook(
        "bitrix24", {"application_token": "3c6c9248ec54af6bea1159b43ee0ab32"}
    )

    answer = gateway.post(path, content=raw, headers=FORM)

    assert answer.status_code == 200


def test_bitrix24_wrong_application_token_is_refused(gateway):
    path = gateway.hook("bitrix24", {"application_token": "another-token"})
    body = _bitrix_body("event_ONCRMDEALADD_to_outgoing_webhook.json", BITRIX_TOKEN)

    answer = gateway.post(path, content=body, headers=FORM)

    assert answer.status_code == 401


@pytest.mark.parametrize(
    "sample",
    [
        "leads_add_2016.form",
        "leads_status_2016.form",
        "leads_update_2016.form",
        "contacts_add_2016.form",
    ],
)
def test_amocrm_samples_are_accepted(gateway, sample):
    path = gateway.hook("amocrm", {})
    body = (CRM_SAMPLES / "amocrm" / sample).read_bytes()

    answer = gateway.post(path, content=body, headers=FORM)

    assert answer.status_code == 200


def test_amocrm_lead_of_another_account_is_refused(gateway):
    path = gateway.hook("amocrm", {"account_id": "1"})
    body = (CRM_SAMPLES / "amocrm" / "leads_status_2016.form").read_bytes()

    answer = gateway.post(path, content=body, headers=FORM)

    assert answer.status_code == 401


def _hubspot_headers(secret: str, url: str, body: bytes, ts: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Request-Timestamp": ts,
        "X-HubSpot-Signature-v3": signature_v3(secret, "POST", url, body, ts),
    }


@pytest.mark.parametrize(
    "sample",
    [
        "deal_propertyChange_dealstage_crm_ui.json",
        "deal_propertyChange_dealstage_retry3.json",
    ],
)
def test_hubspot_samples_are_accepted_with_a_fresh_v3_signature(gateway, sample):
    secret = "hubspot-client-secret"
    path = gateway.hook("hubspot", {"client_secret": secret})
    body = (CRM_SAMPLES / "hubspot" / sample).read_bytes()
    ts = str(int(time.time() * 1000))

    answer = gateway.post(
        path,
        content=body,
        headers=_hubspot_headers(secret, gateway.url + path, body, ts),
    )

    assert answer.status_code == 200


@pytest.mark.parametrize("age_ms", [0, 6 * 60 * 1000])
def test_hubspot_bad_or_old_signature_is_refused(gateway, age_ms):
    secret = "hubspot-client-secret"
    path = gateway.hook("hubspot", {"client_secret": secret})
    body = (
        CRM_SAMPLES / "hubspot" / "deal_propertyChange_dealstage_crm_ui.json"
    ).read_bytes()
    ts = str(int(time.time() * 1000) - age_ms)
    signing_secret = "wrong" if age_ms == 0 else secret

    answer = gateway.post(
        path,
        content=body,
        headers=_hubspot_headers(signing_secret, gateway.url + path, body, ts),
    )

    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("sample", "organization"),
    [
        ("outbound_message_opportunity.xml", "00D7F00000107XsUAI"),
        ("outbound_message_contact_2notifications.xml", "012345678901234"),
    ],
)
def test_salesforce_samples_get_the_ack_envelope(gateway, sample, organization):
    path = gateway.hook("salesforce", {"organization_id": organization})
    body = (CRM_SAMPLES / "salesforce" / sample).read_bytes()

    answer = gateway.post(path, content=body, headers={"Content-Type": "text/xml"})

    assert answer.status_code == 200
    assert b"<Ack>true</Ack>" in answer.content
    assert b"notificationsResponse" in answer.content


def test_salesforce_other_organisation_is_refused(gateway):
    path = gateway.hook("salesforce", {"organization_id": "00D000000000001"})
    body = (
        CRM_SAMPLES / "salesforce" / "outbound_message_opportunity.xml"
    ).read_bytes()

    answer = gateway.post(path, content=body, headers={"Content-Type": "text/xml"})

    assert answer.status_code == 401


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


@pytest.mark.parametrize(
    "sample", ["webhook_v1_updated_deal.json", "webhook_v2_deal.json"]
)
def test_pipedrive_samples_are_accepted_with_basic_auth(gateway, sample):
    path = gateway.hook("pipedrive", {"username": "pd", "password": "s3cret"})
    body = (CRM_SAMPLES / "pipedrive" / sample).read_bytes()

    answer = gateway.post(path, content=body, headers=_basic("pd", "s3cret"))

    assert answer.status_code == 200


def test_pipedrive_wrong_password_is_refused(gateway):
    path = gateway.hook("pipedrive", {"username": "pd", "password": "s3cret"})
    body = (CRM_SAMPLES / "pipedrive" / "webhook_v2_deal.json").read_bytes()

    answer = gateway.post(path, content=body, headers=_basic("pd", "guess"))

    assert answer.status_code == 401


def test_generic_hook_verifies_standard_webhooks_signature(gateway):
    secret = new_secret()
    path = gateway.hook("generic", {"secret": secret})
    body = json.dumps(
        {
            "type": "deal.updated",
            "timestamp": "2026-02-10T10:00:00Z",
            "data": {"id": "D-1", "stage": "draft", "lines": []},
        }
    )
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    signed = Webhook(secret).sign("msg_1", now, body)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp()))}

    good = gateway.post(
        path, content=body, headers=headers | {"webhook-signature": signed}
    )
    bad = gateway.post(
        path, content=body, headers=headers | {"webhook-signature": "v1,AAAA"}
    )

    assert good.status_code == 200
    assert bad.status_code == 401


def test_unknown_hook_secret_is_not_found(gateway):
    gateway.hook("amocrm", {})

    answer = gateway.post(
        "/hooks/acme/amocrm/not-the-secret", content=b"x=1", headers=FORM
    )

    assert answer.status_code == 404


def test_rotated_hook_url_replaces_the_old_one(gateway):
    old = gateway.hook("amocrm", {})
    hook_id = gateway.post(
        "/api/v1/crm/hooks",
        headers={"Authorization": "Bearer test-admin-token"},
        json={"kind": "amocrm", "name": "x", "tenant_id": "acme"},
    ).json()["id"]
    body = (CRM_SAMPLES / "amocrm" / "contacts_add_2016.form").read_bytes()

    rotated = gateway.post(
        f"/api/v1/crm/hooks/{hook_id}/rotate",
        headers={"Authorization": "Bearer test-admin-token"},
    ).json()["url_path"]

    assert gateway.post(old, content=body, headers=FORM).status_code == 200
    assert gateway.post(rotated, content=body, headers=FORM).status_code == 200
