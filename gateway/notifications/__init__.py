"""Notifications: each console user's choice of news, sent as e-mail now or daily.

Webhooks for systems are the CRM connector's subscriptions; this package adds the
people: preferences, the e-mail route and SMTP sender, the daily digest, and the
watchers that turn Komus price changes and promotions into events.
"""
