"""Support for the gateway tests: a ``/gateway/check`` call as nginx's ``auth_request`` makes it."""

from __future__ import annotations

import base64

import requests


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def gateway_check(
    base_url: str,
    gateway: tuple[str, str] | None,
    token: str | None,
    method: str = "GET",
    uri: str | None = "/malls/testmall/api/v2/admin/products?limit=2",
    **headers: str,
) -> requests.Response:
    sent = {"X-Original-Method": method}
    if uri is not None:
        sent["X-Original-URI"] = uri
    if gateway is not None:
        sent["X-Gateway-Authorization"] = basic(*gateway)
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers)
    return requests.get(f"{base_url}/gateway/check", headers=sent)
