// API keys: API_KEYS and API_KEYS_FILE read into a map from each key's sha256 to its caller id.
// Only the digests are kept; a presented key is hashed and looked up.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../configError.js';
import { isToken68 } from './bearer.js';
import { anonymousCallerId } from './caller.js';

const callerIdPattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const storedHashPattern = /^sha256:([0-9a-f]{64})$/i;
const minSecretLength = 16;

/** The lookup key of an API key: its sha256, lower-case hex. */
export function apiKeyDigest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** One `caller` and `secret-or-hash` pair, with where it came from for error messages. */
interface Entry {
  callerId: string;
  secretOrHash: string;
  /** e.g. `API_KEYS entry 2` or `API_KEYS_FILE line 7`: names the variable, never the secret. */
  where: string;
}

function digestOf(entry: Entry): string {
  const { callerId, secretOrHash, where } = entry;
  if (!callerIdPattern.test(callerId)) {
    throw new ConfigError(`${where}: the caller id must be 1 to 128 letters, digits or . _ @ - and start with a letter or digit, got ${JSON.stringify(callerId.slice(0, 140))}`);
  }
  if (callerId === anonymousCallerId) {
    throw new ConfigError(`${where}: the caller id "${anonymousCallerId}" is reserved for requests without credentials`);
  }
  const stored = storedHashPattern.exec(secretOrHash);
  if (stored) return stored[1]!.toLowerCase();
  if (/^sha256:/i.test(secretOrHash)) {
    throw new ConfigError(`${where} (caller ${callerId}): a stored hash must be sha256: followed by 64 hex digits`);
  }
  if (secretOrHash.length < minSecretLength) {
    throw new ConfigError(`${where} (caller ${callerId}): the key must be at least ${minSecretLength} characters`);
  }
  if (!isToken68(secretOrHash)) {
    throw new ConfigError(`${where} (caller ${callerId}): the key may only have letters, digits and - . _ ~ + / (then = at the end), as it is sent in an Authorization: Bearer header`);
  }
  return apiKeyDigest(secretOrHash);
}

function entriesOfApiKeys(value: string): Entry[] {
  const entries: Entry[] = [];
  value.split(',').forEach((raw, index) => {
    const text = raw.trim();
    if (text === '') return;
    const where = `API_KEYS entry ${index + 1}`;
    const colon = text.indexOf(':');
    if (colon < 0) throw new ConfigError(`${where}: expected caller:key or caller:sha256:<64 hex digits>`);
    entries.push({ callerId: text.slice(0, colon).trim(), secretOrHash: text.slice(colon + 1).trim(), where });
  });
  if (entries.length === 0) throw new ConfigError('API_KEYS has no keys: expected caller:key or caller:sha256:<64 hex digits>, comma-separated');
  return entries;
}

function entriesOfApiKeysFile(path: string): Entry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`API_KEYS_FILE: cannot read ${JSON.stringify(path)} (${code})`);
  }
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `API_KEYS_FILE line ${index + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) throw new ConfigError(`${where}: expected "caller key" or "caller sha256:<64 hex digits>"`);
    entries.push({ callerId: fields[0]!, secretOrHash: fields[1]!, where });
  });
  if (entries.length === 0) throw new ConfigError(`API_KEYS_FILE ${JSON.stringify(path)} has no keys`);
  return entries;
}

/**
 * The API keys of API_KEYS (`caller:key,caller:sha256:<hex>`) and API_KEYS_FILE (`caller key` per
 * line), together: sha256 hex of each key -> caller id. A caller may have several keys; one key
 * for two callers is a ConfigError. Unset or empty variables give no keys.
 */
export function loadApiKeys(env: Record<string, string | undefined>): Map<string, string> {
  const entries: Entry[] = [];
  if (env.API_KEYS?.trim()) entries.push(...entriesOfApiKeys(env.API_KEYS));
  if (env.API_KEYS_FILE) entries.push(...entriesOfApiKeysFile(env.API_KEYS_FILE));
  const keys = new Map<string, string>();
  for (const entry of entries) {
    const digest = digestOf(entry);
    const owner = keys.get(digest);
    if (owner !== undefined && owner !== entry.callerId) {
      throw new ConfigError(`${entry.where}: the same key is given to callers ${owner} and ${entry.callerId}; a key must name one caller`);
    }
    keys.set(digest, entry.callerId);
  }
  return keys;
}
