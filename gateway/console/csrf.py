"""CSRF tokens: per session for signed-in forms, a signed cookie for the sign-in form.

Every POST carries the token in a hidden ``csrf`` field; a request whose token is
missing or wrong, or whose ``Origin`` is another site, is refused before it acts.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.requests import Request

FIELD = "csrf"
LOGIN_COOKIE = "kgw_console_login"
LOGIN_MAX_AGE = 3600


class CsrfRejected(Exception):
    """A form came without the token it was given, or from another site."""


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check(request: Request, form: FormData, expected: str) -> None:
    given = form.get(FIELD)
    if not isinstance(given, str) or not given or not same_origin(request):
        raise CsrfRejected()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected()


class LoginTokens:
    """The sign-in form has no session yet: its token rides in a signed cookie."""

    def __init__(self, secret: str):
        self.signer = URLSafeTimedSerializer(secret, salt="console-login-csrf")

    def issue(self) -> tuple[str, str]:
        """A token for the form and the cookie value that vouches for it."""
        token = secrets.token_urlsafe(24)
        return token, self.signer.dumps(token)

    def expected(self, cookie: str | None) -> str:
        if not cookie:
            raise CsrfRejected()
        try:
            token = self.signer.loads(cookie, max_age=LOGIN_MAX_AGE)
        except BadSignature:
            raise CsrfRejected() from None
        if not isinstance(token, str):
            raise CsrfRejected()
        return token
