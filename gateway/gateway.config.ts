// Hive Gateway in front of the alliance supergraph.
//
// The gateway verifies alliance access tokens against the alliance's JWKS and enforces the
// @authenticated / @requiresScopes declared in the subgraphs' SDL before planning any subgraph
// call. It forwards the caller's Authorization header unchanged: every subgraph verifies the
// token again and applies its own row and field rules (the gateway is a first check, not the
// only one).
//
// Environment (defaults fit `make serve` + `make gateway` on one machine):
//   YULU_ISSUER    the alliance's token issuer, its base URL      (http://127.0.0.1:8000)
//   YULU_AUDIENCE  the `aud` of alliance access tokens            (<issuer>/graphql)
//   YULU_JWKS_URL  the alliance's published keys                  (<issuer>/.well-known/jwks.json)
import {
  createRemoteJwksSigningKeyProvider,
  defineConfig,
  extractFromHeader,
} from '@graphql-hive/gateway';
import { generateKeyPairSync } from 'node:crypto';
import { GraphQLError } from 'graphql';

const issuer = (process.env.YULU_ISSUER ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
const audience = process.env.YULU_AUDIENCE ?? `${issuer}/graphql`;
const jwksUri = process.env.YULU_JWKS_URL ?? `${issuer}/.well-known/jwks.json`;

// jwks-rsa caches keys for 5 minutes (as the alliance's own resource server does, so a retired
// key stops verifying) and refetches on an unknown kid, rate-limited, so a rotation is picked up
// without a restart and forged kids cannot make the gateway hammer the alliance.
const allianceKeys = createRemoteJwksSigningKeyProvider({
  jwksUri,
  cache: true,
  cacheMaxAge: 300_000,
  rateLimit: true,
  jwksRequestsPerMinute: 10,
});

// A public key whose private half was never kept: no token verifies against it.
const nobodysKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

// The JWT plugin reports any key lookup failure as "authentication unavailable" (500). A kid the
// alliance never published is a bad token, not an outage: verify it against nobody's key, so it
// is refused with 401 like any other forgery. A JWKS that cannot be fetched stays a 500.
async function signingKeyFor(kid?: string): Promise<string> {
  try {
    return await allianceKeys(kid);
  } catch (error) {
    if ((error as Error)?.name === 'SigningKeyNotFoundError') return nobodysKey;
    throw error;
  }
}

export const gatewayConfig = defineConfig({
  jwt: {
    signingKeyProviders: [signingKeyFor],
    tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
    tokenVerification: { issuer, audience, algorithms: ['ES256'] },
    // Anonymous callers may still read public data; a token that is present must be valid.
    reject: { missingToken: false, invalidToken: true },
  },
  genericAuth: {
    mode: 'protect-granular',
    resolveUserFn: (context) => context.jwt?.payload ?? null,
    validateUser: refusalFor,
    // Refuse the whole operation when it touches a protected field the caller may not see:
    // nothing is sent to any subgraph for it.
    rejectUnauthenticated: true,
  },
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : {};
    },
  },
});

type ScopeAlternatives = string[][] | undefined;

// The same error codes the alliance answers with (UNAUTHENTICATED / FORBIDDEN), so a client
// handles a refusal alike whether the gateway or a subgraph made it.
function refusalFor(params: {
  user: unknown;
  fieldAuthArgs?: unknown;
  typeAuthArgs?: unknown;
  fieldScopes?: ScopeAlternatives;
  typeScopes?: ScopeAlternatives;
  userScopes: string[];
  fieldNode: any;
  path: ReadonlyArray<string | number>;
}): GraphQLError | undefined {
  const scopeRules = [params.typeScopes, params.fieldScopes].filter((rule) => rule?.length);
  const needsUser = params.fieldAuthArgs || params.typeAuthArgs || scopeRules.length > 0;
  if (!needsUser) return undefined;
  if (params.user == null) return refusal('Authentication required', 'UNAUTHENTICATED', 401, params);
  const granted = (rule: ScopeAlternatives) =>
    rule!.some((alternative) => alternative.every((scope) => params.userScopes.includes(scope)));
  return scopeRules.every(granted) ? undefined : refusal('Not allowed', 'FORBIDDEN', 403, params);
}

function refusal(message: string, code: string, status: number, params: { fieldNode: any; path: ReadonlyArray<string | number> }) {
  return new GraphQLError(message, {
    nodes: params.fieldNode,
    path: params.path,
    extensions: { code, http: { status } },
  });
}
