"""The customer cabinet: what a company does with Komus through the gateway.

Ordering from the catalog (search, cart, templates, cost centres, budgets,
approvals) is wired up by ``gateway.cabinet.channel``; the other cabinet features
live in modules of their own beside it.
"""
