// What the school registry checks on every request before it answers, as every alliance partner
// must (gateway/PARTNERS.md): the gateway's HMAC signature, then the forwarded alliance token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const SIGNATURE_EXTENSION = 'hmac-signature';

// json-stable-stringify, as Hive Gateway signs with: JSON.stringify with every object's keys sorted.
function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

// base64 HMAC-SHA256 of the stable JSON of {query, variables}, variables left out when empty.
export function gatewaySignature(secret, query, variables) {
  const content = variables && Object.keys(variables).length ? { query, variables } : { query };
  return createHmac('sha256', secret).update(stableJson(content)).digest('base64');
}

export function isSigned(secret, params) {
  const given = params.extensions?.[SIGNATURE_EXTENSION];
  if (typeof params.query !== 'string' || typeof given !== 'string') return false;
  if (params.variables != null && (typeof params.variables !== 'object' || Array.isArray(params.variables))) return false;
  const expected = Buffer.from(gatewaySignature(secret, params.query, params.variables ?? undefined));
  const received = Buffer.from(given);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

export function refusal(message, code, status) {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

// Alliance access tokens (RFC 9068): ES256, `typ: at+jwt`, the alliance's issuer and audience,
// unexpired, with a subject and a token id. Keys come from the alliance's JWKS (cached by jose,
// refetched on an unknown kid, at most every 10 s).
export function tokenVerifier({ issuer, audience, jwksUrl }) {
  const keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 10_000, cacheMaxAge: 300_000 });
  return async function verify(token) {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        clockTolerance: 30,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      });
      return payload;
    } catch (error) {
      console.warn(`bearer token refused: ${error.code ?? error.name}`);
      throw refusal('Authentication required', 'UNAUTHENTICATED', 401);
    }
  };
}

export function bearerToken(request) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match ? match[1] : null;
}
