"""Stand-ins for the CRMs' REST APIs and for a subscriber's endpoint.

Real FastAPI apps that enforce what the real services enforce (the token, the
webhook secret in the URL, the shapes of their answers), for the tests and the demo.
Each keeps the calls it served in ``calls``.
"""

from connectors.crm.sandbox.amocrm import AmoAccount
from connectors.crm.sandbox.bitrix24 import BitrixPortal
from connectors.crm.sandbox.hubspot import HubSpotPortal
from connectors.crm.sandbox.pipedrive import PipedriveCompany
from connectors.crm.sandbox.salesforce import SalesforceOrg
from connectors.crm.sandbox.subscriber import Subscriber

__all__ = [
    "AmoAccount",
    "BitrixPortal",
    "HubSpotPortal",
    "PipedriveCompany",
    "SalesforceOrg",
    "Subscriber",
]
