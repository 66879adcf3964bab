"""Creating, finding and revoking personal API tokens. Only the SHA-256 of a token is stored: the
tokens are 256 random bits, so a fast hash is as safe as a slow one and costs nothing per request."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from ..audit import record
from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow
from ..translatable import N_
from .models import TOKEN_SCOPES, ApiToken

TOKEN_PREFIX = "inbox_"
MAX_TOKENS_PER_USER = 20
MAX_NAME_CHARS = 120
# last_used_at is written at most this often per token: a busy integration must not write a row per request
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    pass


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the plaintext is returned once and never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise TokenError(N_("give the token a name (what will use it)"))
    if len(name) > MAX_NAME_CHARS:
        raise TokenError(N_("a token name has at most %(limit)s characters", limit=MAX_NAME_CHARS))
    if scope not in TOKEN_SCOPES:
        raise TokenError(N_("scope must be one of %(choices)s", choices=", ".join(TOKEN_SCOPES)))
    if len(tokens_of(user)) >= MAX_TOKENS_PER_USER:
        raise TokenError(N_("at most %(limit)s active tokens per person; revoke one first", limit=MAX_TOKENS_PER_USER))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=plaintext[:12], token_hash=hash_token(plaintext), scope=scope,
                     created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    record("api_token_created", user, ("api_tokens", str(token.id), name), {"scope": scope})
    db.session.commit()
    return token, plaintext


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.id)))


def revoke_token(token_id: int, user: User) -> ApiToken:
    """Revoke one of `user`'s own tokens (an admin may revoke anyone's)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and not user.has_role("admin")):
        raise TokenError(N_("no such token"))
    if token.revoked_at is not None:
        raise TokenError(N_("that token was already revoked"))
    token.revoked_at = utcnow()
    record("api_token_revoked", user, ("api_tokens", str(token.id), token.name), {"owner": token.user_id})
    db.session.commit()
    return token


def find_token(plaintext: str) -> ApiToken | None:
    """The active token with this value whose user is still active, or None."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked_at is not None or token.user is None or not token.user.active:
        return None
    return token


def touch(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
