#!/bin/sh
# Re-vendor Swagger UI into authserver/static/vendor/swagger-ui/ from the npm registry's
# swagger-ui-dist tarball (the API reference page must load with no network: nothing is fetched
# at run time). Usage: tools/vendor_swagger_ui.sh [VERSION]; `make vendor` runs it. Then update
# the version in authserver/static/vendor/swagger-ui/README.md and run tests/test_guides.py.
set -eu
VERSION="${1:-5.35.0}"
DEST="$(cd "$(dirname "$0")/.." && pwd)/authserver/static/vendor/swagger-ui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null
tar xzf "swagger-ui-dist-$VERSION.tgz"
mkdir -p "$DEST"
# The bundle (React and Swagger UI in one file), its stylesheet and the licences; the source
# maps, the standalone preset (a top bar that loads any URL) and the sample index.html are left out.
for name in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt; do
  cp "package/$name" "$DEST/$name"
done
# The maps are not vendored, so their references go: a browser's developer tools would ask for them.
sed -i '/sourceMappingURL=/d' "$DEST/swagger-ui-bundle.js" "$DEST/swagger-ui.css"
echo "swagger-ui-dist $VERSION -> $DEST"
sha256sum "package/swagger-ui-bundle.js" "package/swagger-ui.css"
