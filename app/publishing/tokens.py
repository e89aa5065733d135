"""Private account page tokens: an HMAC-SHA256 of the account id keyed by ``secret_env``.

Without the secret nobody can compute or guess a token, so the pages cannot be enumerated;
rotating the secret changes every token at once, which revokes every link handed out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def account_token(secret: str, account_id: str) -> str:
    digest = hmac.new(secret.encode(), b"beacon-status:" + account_id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


class TokenIndex:
    """Token → account id for one secret, computed once (thousands of accounts are normal), so
    a request costs one dictionary lookup and one constant-time comparison."""

    def __init__(self, secret: str, account_ids: Iterable[str]) -> None:
        self._secret = secret
        self._accounts = {account_token(secret, a): a for a in account_ids}

    def account(self, token: str) -> str | None:
        account_id = self._accounts.get(token)
        if account_id is None:
            return None
        expected = account_token(self._secret, account_id)
        return account_id if hmac.compare_digest(expected.encode(), token.encode()) else None
