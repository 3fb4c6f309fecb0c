"""The signed launch of an installed app (DESIGN.md "Launch"): signing, and verifying as an app.

The operator's "open" redirects to the App URL with ``lang, mall_id, shop_no, timestamp,
user_id, user_type`` and ``hmac`` appended to its query. ``message`` is the six parameters
sorted by name and form-encoded; ``hmac`` is the standard base64 of HMAC-SHA256 keyed by the
App Secret. ``verify_launch`` is written so that an app can copy it as it is (standard library
only).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: The signed parameters, in the order the message sorts them.
LAUNCH_PARAMS = ("lang", "mall_id", "shop_no", "timestamp", "user_id", "user_type")
#: How old a launch may be when the app receives it (DESIGN.md: 5 minutes).
MAX_AGE_SECONDS = 300
#: Cafe24's user_type for the mall's representative operator ("S" would be a sub-operator).
REPRESENTATIVE_OPERATOR = "P"


def launch_message(params: Mapping[str, str]) -> str:
    """``urlencode(sorted(params.items()))`` over exactly the six launch parameters."""
    return urlencode(sorted((name, str(params[name])) for name in LAUNCH_PARAMS))


def sign_launch(params: Mapping[str, str], secret: str) -> str:
    """Standard base64 of HMAC-SHA256(key = App Secret, message)."""
    digest = hmac.new(
        secret.encode("utf-8"), launch_message(params).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def launch_params(
    *, mall_id: str, user_id: str, lang: str = "en", shop_no: str = "1", now: float | None = None
) -> dict[str, str]:
    return {
        "lang": lang,
        "mall_id": mall_id,
        "shop_no": shop_no,
        "timestamp": str(int(now if now is not None else time.time())),
        "user_id": user_id,
        "user_type": REPRESENTATIVE_OPERATOR,
    }


def launch_url(app_url: str, params: Mapping[str, str], secret: str) -> str:
    """The App URL with the six parameters and ``hmac`` appended; its own query is kept,
    except parameters of the same names, which the signed ones replace."""
    parts = urlsplit(app_url)
    signed = set(LAUNCH_PARAMS) | {"hmac"}
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in signed]
    added = [(name, str(params[name])) for name in LAUNCH_PARAMS]
    query = urlencode([*kept, *added, ("hmac", sign_launch(params, secret))])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def verify_launch(
    url_or_params: str | Mapping[str, str],
    secret: str,
    max_age: int = MAX_AGE_SECONDS,
    now: float | None = None,
) -> bool:
    """What an app runs on the request to its App URL: ``True`` only for a genuine, fresh launch.

    ``url_or_params`` is the full URL (or just its query string) or the parsed query
    parameters. A launch is refused when a parameter is missing or repeated, the hmac does not
    match (compared in constant time), or the timestamp is older than ``max_age`` seconds (or
    more than a minute in the future).
    """
    if isinstance(url_or_params, str):
        query = urlsplit(url_or_params).query if "?" in url_or_params else url_or_params
        pairs = parse_qsl(query, keep_blank_values=True)
    else:
        pairs = list(url_or_params.items())
    names = [name for name, _ in pairs]
    params = dict(pairs)
    for name in (*LAUNCH_PARAMS, "hmac"):
        if names.count(name) != 1:
            return False
    expected = sign_launch(params, secret)
    if not hmac.compare_digest(expected.encode(), str(params["hmac"]).encode()):
        return False
    try:
        timestamp = int(params["timestamp"])
    except ValueError:
        return False
    current = time.time() if now is None else now
    return current - max_age <= timestamp <= current + 60
