// A real JavaScript OAuth 2.0 client (openid-client 6) against authserver, for the test suite.
//
//   node client.mjs authorize ISSUER CLIENT_ID REDIRECT_URI SCOPE
//     -> {"url", "state", "code_verifier"}: the authorization URL for the operator to approve
//   node client.mjs exchange ISSUER CLIENT_ID CALLBACK_URL STATE CODE_VERIFIER
//     -> {"token", "refreshed", "introspected", "after_revocation"}: the code exchange, a
//        refresh, then introspection and revocation of the refreshed access token
//
// The App Secret comes from the environment (CLIENT_SECRET), never the command line. The
// server's metadata comes from RFC 8414 discovery at the issuer; http is allowed because the
// tests serve authserver on 127.0.0.1 (allowInsecureRequests, openid-client's own switch).
// Every answer is one JSON object on stdout; a failure prints {"error", "message"} and exits 1.
import * as client from "openid-client";

async function configuration(issuer, clientId) {
  return client.discovery(
    new URL(issuer),
    clientId,
    undefined,
    client.ClientSecretBasic(process.env.CLIENT_SECRET),
    { algorithm: "oauth2", execute: [client.allowInsecureRequests] },
  );
}

async function authorize(issuer, clientId, redirectUri, scope) {
  const config = await configuration(issuer, clientId);
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  });
  return { url: url.href, state, code_verifier: codeVerifier };
}

async function exchange(issuer, clientId, callbackUrl, state, codeVerifier) {
  const config = await configuration(issuer, clientId);
  const token = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    expectedState: state,
    pkceCodeVerifier: codeVerifier,
  });
  const refreshed = await client.refreshTokenGrant(config, token.refresh_token);
  const introspected = await client.tokenIntrospection(config, refreshed.access_token);
  await client.tokenRevocation(config, refreshed.access_token, {
    token_type_hint: "access_token",
  });
  const afterRevocation = await client.tokenIntrospection(config, refreshed.access_token);
  return {
    token: { ...token },
    refreshed: { ...refreshed },
    introspected: { ...introspected },
    after_revocation: { ...afterRevocation },
  };
}

const [command, ...args] = process.argv.slice(2);
const commands = { authorize, exchange };
try {
  if (!commands[command]) throw new Error(`unknown command ${command}`);
  process.stdout.write(`${JSON.stringify(await commands[command](...args))}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({
      error: error.code ?? error.name,
      message: error.message,
      cause: error.cause ? { code: error.cause.code, message: error.cause.message } : null,
    })}\n`,
  );
  process.exit(1);
}
