"""Stable pseudonyms for customer handles in exports shared outside the support team."""
from __future__ import annotations

import hashlib
import hmac


def pseudonymise(channel: str, handle: str, key: str) -> str:
    """Same customer, same pseudonym, every week; not reversible without the installation's SECRET_KEY.

    Keyed (HMAC) rather than a plain hash: handles are few enough to hash them all and look the
    result up, which a key prevents.
    """
    digest = hmac.new(key.encode(), f"customer-handle\x00{channel}\x00{handle.lower()}".encode(), hashlib.sha256)
    return "cust-" + digest.hexdigest()[:16]
