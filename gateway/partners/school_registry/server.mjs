// 学籍系统, the school information system, as an alliance partner subgraph (Node, graphql-yoga,
// @apollo/subgraph). It holds students by resident ID number; it joins the supergraph by the
// person key and by credit code, and answers only requests Hive Gateway signed, judged under the
// caller's verified alliance token (gateway/PARTNERS.md explains each step).
//
//   node server.mjs --port N [--host 127.0.0.1]
//
// Environment: YULU_GATEWAY_HMAC_SECRET and YULU_FEDERATION_KEY (both required), YULU_ISSUER
// (http://127.0.0.1:8000), YULU_AUDIENCE (<issuer>/graphql), YULU_JWKS_URL
// (<issuer>/.well-known/jwks.json), SCHOOL_REGISTRY_DATA (the registry's records, a JSON file;
// var/partner-school_registry.json).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { bearerToken, isSigned, refusal, tokenVerifier } from './src/checks.mjs';
import { MAX_REPRESENTATIONS, boundedDocument, pageSize } from './src/limits.mjs';
import { loadRegistry } from './src/registry.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PERSONAL = 'personal:read';
// Who reads a student's registration: the schools, the education and human-resources bureaus,
// admins, and the student themself (the alliance hands a graduate the key of their own record
// only). Enterprises and agencies do not: a registration is the school's record, not a CV.
const REGISTRY_ROLES = new Set(['school', 'bureau', 'admin', 'graduate']);

function settings() {
  const env = process.env;
  const issuer = (env.YULU_ISSUER ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  for (const name of ['YULU_GATEWAY_HMAC_SECRET', 'YULU_FEDERATION_KEY']) {
    if (!env[name]) {
      console.error(`${name} is not set: the school registry does not start without it`);
      process.exit(2);
    }
  }
  return {
    issuer,
    audience: env.YULU_AUDIENCE ?? `${issuer}/graphql`,
    jwksUrl: env.YULU_JWKS_URL ?? `${issuer}/.well-known/jwks.json`,
    gatewaySecret: env.YULU_GATEWAY_HMAC_SECRET,
    federationKey: env.YULU_FEDERATION_KEY,
    dataFile: env.SCHOOL_REGISTRY_DATA ?? resolve(here, '../../../var/partner-school_registry.json'),
  };
}

function requireCaller(caller) {
  if (!caller) throw refusal('Authentication required', 'UNAUTHENTICATED', 401);
  return caller;
}

function requireRegistryReader(caller) {
  requireCaller(caller);
  const scopes = String(caller.scope ?? '').split(' ');
  if (!scopes.includes(PERSONAL) || !REGISTRY_ROLES.has(caller.role)) throw refusal('Not allowed', 'FORBIDDEN', 403);
}

const cursorOf = (offset) => Buffer.from(`offset:${offset}`).toString('base64');
function offsetAfter(cursor) {
  if (cursor == null) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  if (!match) throw refusal('after 不是本系统给出的游标。', 'BAD_USER_INPUT', 400);
  return Number(match[1]) + 1;
}

const resolvers = {
  Query: {
    registrySchools(_root, { first, after }, { caller, registry }) {
      requireCaller(caller);
      const start = offsetAfter(after);
      const page = registry.schools.slice(start, start + pageSize(first));
      const edges = page.map((creditCode, index) => ({ cursor: cursorOf(start + index), node: { creditCode } }));
      return {
        edges,
        pageInfo: {
          hasNextPage: start + page.length < registry.schools.length,
          hasPreviousPage: start > 0,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  Person: {
    // The key alone, no I/O: the registry's records are read by the field that needs them.
    __resolveReference: ({ idNumberHmac }) => ({ idNumberHmac }),
    schoolRegistration({ idNumberHmac }, _args, { caller, registry }) {
      requireRegistryReader(caller);
      const found = typeof idNumberHmac === 'string' ? registry.registration(idNumberHmac) : null;
      return found && {
        registryNumber: found.registryNumber,
        school: { creditCode: found.schoolCreditCode },
        majorName: found.majorName,
        entryYear: found.entryYear,
        status: found.status,
      };
    },
  },
  Organisation: {
    __resolveReference: ({ creditCode }) => ({ creditCode }),
    registeredStudentCount({ creditCode }, _args, { caller, registry }) {
      requireCaller(caller);
      return registry.studentCount(creditCode);
    },
  },
};

export function createRegistryServer(config) {
  const registry = loadRegistry(config.dataFile, config.federationKey);
  const verify = tokenVerifier(config);
  const typeDefs = parse(readFileSync(resolve(here, 'schema.graphql'), 'utf8'));
  const yoga = createYoga({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    graphiql: false,
    landingPage: false,
    plugins: [{ onValidate: ({ addValidationRule }) => addValidationRule(boundedDocument) }],
    // Checked before anything runs: the gateway's signature, the token, the batch size.
    async context({ request, params }) {
      if (!isSigned(config.gatewaySecret, params)) {
        throw refusal('此请求须由联盟网关签名（hmac-signature）：未签名或签名不符，已拒绝。', 'GATEWAY_SIGNATURE_REQUIRED', 403);
      }
      const representations = params.variables?.representations;
      if (Array.isArray(representations) && representations.length > MAX_REPRESENTATIONS) {
        throw refusal(`一次最多解析 ${MAX_REPRESENTATIONS} 个实体。`, 'TOO_MANY_REPRESENTATIONS', 400);
      }
      const token = bearerToken(request);
      return { caller: token ? await verify(token) : null, registry };
    },
  });
  return createServer((request, response) => {
    const path = new URL(request.url, 'http://registry').pathname;
    if (path === '/livez') return void response.end('alive');
    if (path === '/healthz') return void health(config.dataFile, response);
    return yoga(request, response);
  });
}

// Readiness reads the registry's own records, as the Python partners read their tables.
function health(dataFile, response) {
  try {
    JSON.parse(readFileSync(dataFile, 'utf8'));
    response.end('ok');
  } catch {
    response.statusCode = 503;
    response.end('registry data unreadable');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } });
  if (!values.port) {
    console.error('usage: node server.mjs --port N [--host 127.0.0.1]');
    process.exit(2);
  }
  createRegistryServer(settings()).listen(Number(values.port), values.host, () => {
    console.log(`school registry on http://${values.host}:${values.port}/graphql`);
  });
}
