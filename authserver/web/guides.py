"""The Developer Center's guides (``/developers/guides/...``): authentication and security, the
API guide and the browsable API reference, as Cafe24's permission page points to them.

Every fact a guide states that the server also enforces is read from where the server reads it
(the scope catalogue, the Admin API's messages and limits, the error envelope, the launch
signature, the configured lifetimes), so a guide cannot drift from the code. The API reference
renders ``/openapi.json`` with Swagger UI, vendored under ``static/vendor/swagger-ui/``
(its README says from which package and version): nothing is fetched from another host.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, current_app, render_template, request

from authserver import scopes
from authserver.admin_api.resources import RESOURCES, url_path
from authserver.admin_api.schema import DEFAULT_LIMIT, MAX_LIMIT
from authserver.admin_api.views import NO_API, NO_PERMISSION, TOO_MANY
from authserver.demo import DEMO_MALL
from authserver.oauth.issuer import host_is_trusted, request_origin
from authserver.platform.errors import api_error
from authserver.web.mall_admin.launch import LAUNCH_PARAMS, MAX_AGE_SECONDS, sign_launch

bp = Blueprint("guides", __name__, url_prefix="/developers/guides")

#: The launch test vector of DESIGN.md; its ``hmac`` is computed by the server's own signer.
LAUNCH_EXAMPLE_SECRET = "S3cr3tS3cr3tS3cr3tS3cr3t"
LAUNCH_EXAMPLE = {
    "lang": "en",
    "mall_id": "yourmall",
    "shop_no": "1",
    "timestamp": "1796000000",
    "user_id": "owner",
    "user_type": "P",
}
#: Where the samples point when this request's host may not name the server (see issuer.py).
PLACEHOLDER_BASE = "https://auth.example"


def sample_base() -> str:
    """The server's external base URL for the code samples: ``AUTHSERVER_ISSUER`` when set, this
    request's origin when it may name the server (loopback or a trusted host), else a
    placeholder."""
    configured = current_app.config["AUTHSERVER_ISSUER"]
    if configured:
        return configured.rstrip("/")
    if host_is_trusted(request, current_app.config):
        return request_origin(request) + request.root_path
    return PLACEHOLDER_BASE


def _envelope(status: int, message: str, more_info: dict | None = None) -> str:
    """The Admin API's error body, from the function that writes it, pretty-printed."""
    body = json.loads(api_error(status, message, more_info).get_data(as_text=True))
    return json.dumps(body, indent=2)


@bp.get("/")
def index() -> str:
    return render_template("guides/index.html", tab="index")


@bp.get("/authentication")
def authentication() -> str:
    config = current_app.config
    return render_template(
        "guides/authentication.html",
        tab="authentication",
        base=sample_base(),
        mall=DEMO_MALL,
        code_ttl=config["AUTHSERVER_CODE_TTL"],
        access_ttl=config["AUTHSERVER_ACCESS_TOKEN_TTL"],
        refresh_ttl=config["AUTHSERVER_REFRESH_TOKEN_TTL"],
        launch_params=LAUNCH_PARAMS,
        launch_max_age=MAX_AGE_SECONDS,
        launch_example=LAUNCH_EXAMPLE,
        launch_secret=LAUNCH_EXAMPLE_SECRET,
        launch_hmac=sign_launch(LAUNCH_EXAMPLE, LAUNCH_EXAMPLE_SECRET),
    )


@bp.get("/api")
def api() -> str:
    config = current_app.config
    example_scope = scopes.CATEGORIES[1].read_scope
    return render_template(
        "guides/api.html",
        tab="api",
        base=sample_base(),
        mall=DEMO_MALL,
        categories=scopes.CATEGORIES,
        resource_paths={path: url_path(r) for path, r in RESOURCES.items()},
        example_scope=example_scope,
        no_api=NO_API,
        no_permission=NO_PERMISSION,
        no_permission_body=_envelope(404, NO_PERMISSION, {"required_scope": example_scope}),
        too_many_body=_envelope(429, TOO_MANY),
        default_limit=DEFAULT_LIMIT,
        max_limit=MAX_LIMIT,
        bucket_size=config["AUTHSERVER_API_BUCKET_SIZE"],
        leak_per_second=config["AUTHSERVER_API_LEAK_PER_SECOND"],
    )


@bp.get("/api-reference")
def reference() -> str:
    """Swagger UI runs under the site's own Content-Security-Policy (platform/headers.py): its
    scripts and styles are static files here, its icons ``data:`` images, and it starts from a
    static file, not an inline script."""
    return render_template("guides/reference.html", tab="reference")


def init_app(app: Flask) -> None:
    """Register the guides' blueprint."""
    app.register_blueprint(bp)
