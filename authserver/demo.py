"""The demo world's names: what `authserver demo` (and so `make run`) seeds, and what the
landing page and the guides' samples name. Pages read them here, never from the CLI."""

DEMO_PASSWORD = "demo-password"
DEMO_DEVELOPER = "developer@demo.example"
DEMO_MALL = "demomall"
DEMO_OPERATOR = "owner"
DEMO_REDIRECT_URI = "https://app.example/callback"
DEMO_SCOPES = ["mall.read_product", "mall.write_product", "mall.read_order", "mall.read_store"]
