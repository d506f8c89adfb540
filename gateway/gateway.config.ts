// Hive Gateway in front of the alliance supergraph.
//
// The gateway verifies alliance access tokens against the alliance's JWKS and enforces the
// @authenticated / @requiresScopes declared in the subgraphs' SDL before planning any subgraph
// call. It forwards the caller's Authorization header unchanged: every subgraph verifies the
// token again and applies its own row and field rules (the gateway is a first check, not the
// only one).
//
// Every subgraph request is signed (HMAC-SHA256, `extensions["hmac-signature"]`) with a secret
// shared with the subgraphs: the partners answer nothing unsigned, the alliance no `_entities` /
// `_service`. Before any subgraph is asked, an operation must pass depth, token and cost limits
// (demand control: lists count their `first` where the SDL says so with @listSize, else the
// alliance's largest page, as compose.mjs sizes them) and the caller's rate limit.
//
// Environment (defaults fit `make serve` + `make gateway` on one machine):
//   YULU_ISSUER               the alliance's token issuer, its base URL   (http://127.0.0.1:8000)
//   YULU_AUDIENCE             the `aud` of alliance access tokens         (<issuer>/graphql)
//   YULU_JWKS_URL             the alliance's published keys               (<issuer>/.well-known/jwks.json)
//   YULU_GATEWAY_HMAC_SECRET  the signing secret shared with the subgraphs (required)
//   YULU_PRODUCTION=1         no introspection, no GraphiQL or landing page, no field suggestions;
//                             the portal's client runs only its registered documents
//   YULU_GATEWAY_RATE_LIMIT   root fields one caller may ask per minute   (300)
//   YULU_GATEWAY_METRICS=1    serve Prometheus metrics at /metrics in production too (default:
//                             development only; in production only behind a proxy that keeps
//                             /metrics from the outside)
import {
  createRemoteJwksSigningKeyProvider,
  defineConfig,
  extractFromHeader,
} from '@graphql-hive/gateway';
import { generateKeyPairSync } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { trustedDocuments } from './trusted-documents';

const issuer = (process.env.YULU_ISSUER ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
const audience = process.env.YULU_AUDIENCE ?? `${issuer}/graphql`;
const jwksUri = process.env.YULU_JWKS_URL ?? `${issuer}/.well-known/jwks.json`;
const production = process.env.YULU_PRODUCTION === '1';
const signingSecret = process.env.YULU_GATEWAY_HMAC_SECRET;
if (!signingSecret) {
  throw new Error('YULU_GATEWAY_HMAC_SECRET is not set: the subgraphs accept only requests the gateway signs');
}
const rootFieldsPerMinute = Number(process.env.YULU_GATEWAY_RATE_LIMIT ?? 300);
const metricsServed = !production || process.env.YULU_GATEWAY_METRICS === '1';
// The caller's trace context and request id go on to every subgraph, so the alliance's spans and
// log lines of a federated request join the caller's trace.
const TRACE_HEADERS = ['traceparent', 'tracestate', 'x-request-id'];

// Every object costs 1 times the sizes of the lists above it (compose.mjs gives each list without
// its own @listSize the alliance's largest page, 100), so nested lists multiply the estimate as
// they multiply the work.
// The verification query of the README (40 graduates, their employers, insurance and openings)
// costs 20,224 by that count; three nested lists of 100 objects cost over 1,000,000.
const MAX_COST = 50_000;
// The README's queries are 7 levels deep; the alliance itself stops at 12.
const MAX_DEPTH = 10;
const MAX_TOKENS = 2_000;

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
      const forwarded: Record<string, string> = {};
      for (const name of ['authorization', ...TRACE_HEADERS]) {
        const value = request.headers.get(name);
        if (value) forwarded[name] = value;
      }
      return forwarded;
    },
  },
  hmacSignature: { secret: signingSecret },
  // The portal's operations by id; in production its client runs only those (trusted-documents.ts).
  persistedDocuments: trustedDocuments(production),
  maxDepth: MAX_DEPTH,
  maxTokens: MAX_TOKENS,
  demandControl: { maxCost: MAX_COST, includeExtensionMetadata: !production },
  // Every root field counts (aliases too), so a flood of small operations is refused like one big one.
  rateLimiting: [{ type: 'Query', field: '*', max: rootFieldsPerMinute, ttl: 60_000, identifyFn: callerOf }],
  upstreamTimeout: 10_000,
  // Requests, operations and subgraph calls (counts, durations, errors) at /metrics:
  // @graphql-mesh/plugin-prometheus, pinned in package.json.
  prometheus: { metrics: true, endpoint: metricsServed ? '/metrics' : false },
  disableIntrospection: production,
  blockFieldSuggestions: production,
  graphiql: !production,
  landingPage: !production,
});

// Who a rate limit counts: the signed-in user (whichever of their tokens they send; the JWT plugin
// has verified it), else the client's network address.
function callerOf(context: any): string {
  const subject = context.jwt?.payload?.sub;
  if (subject) return `user:${subject}`;
  return `address:${context.req?.socket?.remoteAddress ?? 'unknown'}`;
}

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
