"""The ceiling: a bare Flask app answering authserver's benchmarked routes with fixed JSON.

Served by the same production server settings as authserver (deploy/serve.py), so the ratio
authserver / bare is what authserver's own work costs on this machine.
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)

TOKEN = {
    "access_token": "A" * 32,
    "token_type": "Bearer",
    "expires_in": 7200,
    "expires_at": "2026-11-26T21:00:00.000",
    "refresh_token": "R" * 32,
    "refresh_token_expires_at": "2026-12-10T19:00:00.000",
    "scope": "mall.read_product",
    "scopes": ["mall.read_product"],
    "client_id": "C" * 22,
    "mall_id": "benchmall",
    "user_id": "owner",
    "shop_no": "1",
    "issued_at": "2026-11-26T19:00:00.000",
}


@app.post("/malls/<mall_id>/api/v2/oauth/token")
def token(mall_id: str):
    response = jsonify(TOKEN)
    response.headers["Cache-Control"] = "no-store"
    return response


@app.post("/malls/<mall_id>/api/v2/oauth/introspect")
def introspect(mall_id: str):
    return jsonify(active=True, scope="mall.read_product", client_id="C" * 22, exp=1796000000)


@app.get("/malls/<mall_id>/api/v2/admin/<path:resource>")
def admin_api(mall_id: str, resource: str):
    return jsonify(products=[{"product_no": 1, "product_name": "Bench"}])


@app.get("/healthz")
@app.get("/readyz")
def health():
    return jsonify(status="ok")
