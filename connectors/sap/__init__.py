"""SAP: requisitions in over OData or ORDERS05 IDocs; documents back as IDocs, over
OData or through SOAP."""
