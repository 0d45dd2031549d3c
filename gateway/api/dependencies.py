"""What every route may ask FastAPI for."""

from __future__ import annotations

from fastapi import Request

from gateway.hub import Hub


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub
