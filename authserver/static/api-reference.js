// The API reference page: Swagger UI (vendored, static/vendor/swagger-ui/) on /openapi.json.
// A static file, not an inline script: the page's Content-Security-Policy allows only 'self'.
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    // Swagger UI would send the document to validator.swagger.io: this page asks no other host.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
  });
})();
