"""The REST API, health and metrics endpoints; ``create_app(hub)`` builds them."""

from gateway.api.app import create_app

__all__ = ["create_app"]
