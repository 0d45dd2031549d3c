"""CRM webhooks: deals coming in from CRMs, signed order events going out."""
