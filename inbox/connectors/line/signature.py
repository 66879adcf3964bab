"""LINE's webhook signature: base64(HMAC-SHA256(channel secret, body)) in X-Line-Signature,
compared in constant time by the SDK's own `SignatureValidator`."""
from __future__ import annotations

import base64
import hashlib
import hmac

from linebot.v3 import SignatureValidator


def signature_valid(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` is LINE's for exactly these bytes (a body that is not UTF-8 is checked on
    its bytes, with the same constant-time compare, so it can be set aside rather than refused)."""
    if not channel_secret or not signature:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        expected = base64.b64encode(hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest())
        return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
    try:
        return bool(SignatureValidator(channel_secret).validate(text, signature))
    except (TypeError, ValueError, UnicodeEncodeError):
        return False


def sign(channel_secret: str, body: bytes) -> str:
    """The signature LINE would send for `body` (tests and the benchmark play LINE's part)."""
    return base64.b64encode(hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")
