"""The console's cookies: the session's token, the log-in form's CSRF token
and the language. All are HttpOnly and SameSite=Strict (a link from another
site never arrives logged in); Secure when the request came over https or the
operator says TLS ends in front of the service (``console_secure_cookies``).
The session cookie holds a random token; the server keeps only its SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from aiohttp import web

SESSION = "console_session"
LOGIN_CSRF = "console_login_csrf"
LANGUAGE = "console_lang"

LOGIN_FORM_MAX_AGE_S = 3600
LANGUAGE_MAX_AGE_S = 365 * 86400
# What a token cookie may hold: ``new_token``'s 43 characters, with room to spare.
_TOKEN_MAX = 128


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def read_token(request: web.Request, name: str) -> str | None:
    """The cookie's token, or None when absent or of no shape a token has."""
    value = request.cookies.get(name)
    if not value or len(value) > _TOKEN_MAX or not value.isascii():
        return None
    return value


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, *,
               max_age: float, path: str, secure: bool) -> None:
    response.set_cookie(name, value, max_age=int(max_age), path=path, httponly=True, samesite="Strict",
                        secure=secure or request.secure)


def drop_cookie(response: web.StreamResponse, name: str, path: str) -> None:
    response.del_cookie(name, path=path, samesite="Strict")
