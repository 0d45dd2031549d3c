"""Salesforce outbound messages: SOAP ``notifications``, answered with an Ack.

There is no signature: the organisation id is compared (the first 15 characters,
so 15- and 18-character forms match) and the path secret does the rest. Without
the ``notificationsResponse`` Ack Salesforce sends the batch again.
"""

from __future__ import annotations

from lxml import etree

from connectors.crm.inbound import (
    Answer,
    DealEvent,
    HookRefused,
    HookRequest,
    HookUnreadable,
    need,
    same_secret,
)

OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DEAL_TYPES = {"sf:Opportunity", "Opportunity"}

ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soapenv:Body>"
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    b"<Ack>true</Ack></notificationsResponse>"
    b"</soapenv:Body></soapenv:Envelope>"
)

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


class Salesforce:
    kind = "salesforce"

    def read(self, request: HookRequest) -> list[DealEvent]:
        try:
            root = etree.fromstring(request.body, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise HookUnreadable(f"the body is not XML: {exc}") from exc
        notifications = root.find(f".//{{{OUTBOUND}}}notifications")
        if notifications is None:
            raise HookUnreadable("no notifications element in the SOAP body")
        expected = need(request.settings, "organization_id", self.kind)
        given = notifications.findtext(f"{{{OUTBOUND}}}OrganizationId") or ""
        if not same_secret(given[:15], expected[:15]):
            raise HookRefused("OrganizationId is not the organisation of this hook")
        received_ms = int(request.received_at.timestamp() * 1000)
        events = []
        for notification in notifications.iterfind(f"{{{OUTBOUND}}}Notification"):
            sobject = notification.find(f"{{{OUTBOUND}}}sObject")
            if sobject is None or sobject.get(f"{{{XSI}}}type") not in DEAL_TYPES:
                continue
            fields = {
                etree.QName(child).localname: child.text
                for child in sobject
                if isinstance(child.tag, str)
            }
            events.append(
                DealEvent(
                    deal_id=fields.get("Id") or "",
                    key=notification.findtext(f"{{{OUTBOUND}}}Id") or "",
                    # Salesforce sends the state at send time; newest received wins.
                    sequence=received_ms,
                    data={
                        "stage": fields.get("StageName"),
                        "title": fields.get("Name"),
                        "amount": fields.get("Amount"),
                    },
                )
            )
        if any(not e.deal_id or not e.key for e in events):
            raise HookUnreadable("a Notification lacks its Id or the sObject's Id")
        return events

    def answer(self, events: list[DealEvent]) -> Answer:
        return Answer(200, ACK, "text/xml; charset=utf-8")
