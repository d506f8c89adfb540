// The portal's trusted documents (portal/trusted_documents.json, written by `yulu trusted-documents`
// from portal/operations/) as Hive Gateway persisted documents. Any client may run one by its id
// (`extensions.persistedQuery.sha256Hash`); in production the portal's own OAuth client runs
// nothing else, while partners' and members' clients keep full GraphQL. The alliance applies the
// same rule to requests sent to it directly (portal/trusted_documents.py).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PORTAL_CLIENT_ID = 'yulu-portal';
const manifestPath = resolve(dirname(fileURLToPath(import.meta.url)), '../portal/trusted_documents.json');
const manifest: { operations: { id: string; body: string }[] } = JSON.parse(readFileSync(manifestPath, 'utf8'));
const documents = new Map(manifest.operations.map((operation) => [operation.id, operation.body]));

// The token's client, read without verifying: the JWT plugin verifies the token on its own, and a
// forged claim could only restrict its holder to the registered documents.
function clientOf(request: Request): string | undefined {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  try {
    return JSON.parse(Buffer.from(token!.split('.')[1], 'base64url').toString('utf8')).client_id;
  } catch {
    return undefined;
  }
}

export function trustedDocuments(production: boolean) {
  return {
    getPersistedOperation: (id: string) => documents.get(id) ?? null,
    allowArbitraryDocuments: (request: Request) => !production || clientOf(request) !== PORTAL_CLIENT_ID,
  };
}
