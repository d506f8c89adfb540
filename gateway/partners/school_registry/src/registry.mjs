// The registry's own records (学籍), kept in a JSON file (SCHOOL_REGISTRY_DATA) and indexed by the
// person key: the registry holds ID numbers, and computes the key from them exactly as the
// alliance does (gateway/PARTNERS.md), so a key from the gateway finds its student with no ID
// number crossing the federation.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

// lowercase hex HMAC-SHA256 of the 18-character ID number (final X upper-case) under the key
// shared with the alliance.
export function personKey(federationKey, idNumber) {
  return createHmac('sha256', federationKey).update(idNumber.trim().toUpperCase(), 'ascii').digest('hex');
}

export function loadRegistry(path, federationKey) {
  const { registrations } = JSON.parse(readFileSync(path, 'utf8'));
  const byPersonKey = new Map();
  const countBySchool = new Map();
  for (const registration of registrations) {
    byPersonKey.set(personKey(federationKey, registration.idNumber), registration);
    countBySchool.set(registration.schoolCreditCode, (countBySchool.get(registration.schoolCreditCode) ?? 0) + 1);
  }
  return {
    registration: (key) => byPersonKey.get(key) ?? null,
    studentCount: (creditCode) => countBySchool.get(creditCode) ?? 0,
    schools: [...countBySchool.keys()].sort(),
  };
}
