// bench/run.py's peer: node-oidc-provider's token introspection (RFC 7662) with its default
// in-memory store. Usage: node server.mjs <port>. Registers one confidential client, mints one
// opaque client-credentials access token, prints {"client_id", "client_secret", "token",
// "path"} as one JSON line on stdout, then serves http://127.0.0.1:<port> until killed.
import { randomBytes } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const clientId = "bench-gateway";
const clientSecret = randomBytes(24).toString("base64url");
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      scope: "mall.read_product mall.read_order",
    },
  ],
  scopes: ["mall.read_product", "mall.read_order"],
  ttl: { ClientCredentials: 7200 },
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
  },
});
const client = await provider.Client.find(clientId);
const token = await new provider.ClientCredentials({
  client,
  scope: "mall.read_product mall.read_order",
}).save();
provider.listen(port, "127.0.0.1", () => {
  process.stdout.write(
    JSON.stringify({
      client_id: clientId,
      client_secret: clientSecret,
      token,
      path: "/token/introspection",
    }) + "\n",
  );
});
