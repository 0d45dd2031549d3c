"""Komus: the API client, order submission and tracking, and the sandbox."""
