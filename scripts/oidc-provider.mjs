// The test OpenID provider: oidc-provider with the client-credentials grant and
// JWT access tokens for the resource servers the configuration names, so tests
// get tokens through a real token endpoint, discovery document and JWKS.
//
// Usage: node oidc-provider.mjs CONFIG.json (scripts/oidc-provider run does it)
// CONFIG: {
//   "port": 0,                   // 0 picks a free one
//   "stateDir": "/tmp/x",        // keys.json lives here, across restarts
//   "rotate": false,             // true: a new signing key first, old ones kept
//   "resources": ["https://folio.test/api"],     // audiences, scope "api"
//   "clients": [{"id": "c", "secret": "s", "claims": {...}}]  // extra claims
// }
// Prints one JSON line when listening: {"issuer", "port", "signingKid"}, and
// writes signing.pem (private, PKCS#1) and public.pem of the current signing key
// into stateDir for tests that must forge tokens a provider would never issue.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { generateKeyPairSync, randomUUID, createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig',
  };
}

const keysFile = join(config.stateDir, 'keys.json');
let keys = existsSync(keysFile) ? JSON.parse(readFileSync(keysFile, 'utf8')) : [];
if (keys.length === 0 || config.rotate) keys = [newKey(), ...keys];
writeFileSync(keysFile, JSON.stringify(keys));
const signing = createPublicKey({ key: keys[0], format: 'jwk' });
writeFileSync(join(config.stateDir, 'public.pem'), signing.export({ type: 'spki', format: 'pem' }));
const { createPrivateKey } = await import('node:crypto');
writeFileSync(
  join(config.stateDir, 'signing.pem'),
  createPrivateKey({ key: keys[0], format: 'jwk' }).export({ type: 'pkcs1', format: 'pem' }),
);

// The port must be known before the issuer is: take a free one first.
const port = config.port || await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const issuer = `http://127.0.0.1:${port}`;
const claimsByClient = new Map(config.clients.map((c) => [c.id, c.claims || {}]));

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    client_id: c.id,
    client_secret: c.secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: 'api',
  })),
  jwks: { keys },
  scopes: ['openid', 'api'],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.resources[0],
      getResourceServerInfo: (_ctx, resource) => {
        if (!config.resources.includes(resource)) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'api',
          audience: resource,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  extraTokenClaims: (_ctx, token) => claimsByClient.get(token.clientId),
});
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ issuer, port, signingKid: keys[0].kid })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
