// Checks one HTTP response against the OpenAPI document: the status is documented for the
// operation, required headers are there, the content type is a documented one and a JSON body
// matches its schema (Ajv, JSON Schema 2020-12). Used by openapiConformance.ts on every response
// the suite sees, and by openapi.test.ts directly.
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { openApiDocument } from '../../src/openapi/document.js';
import type { Header, HttpMethod, Operation, PathItem, Reference, Response } from '../../src/openapi/types.js';

// CommonJS packages: under NodeNext the default import is module.exports, typed as the namespace.
type Ajv2020Class = typeof Ajv2020Module.default;
type AddFormats = typeof addFormatsModule.default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: Ajv2020Class }).default ?? Ajv2020Module) as Ajv2020Class;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

export interface ObservedResponse {
  method: string;
  /** Absolute URL of the request (after redirects, the final one). */
  url: string;
  status: number;
  header(name: string): string | null;
  /** The body as text, when it was read; null when it was not (not JSON, HEAD, or unreadable). */
  body: string | null;
}

export interface Violation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

/** Path prefixes that are REST's: a response there on a path the document lacks is a violation. */
const restPrefixes = ['/videos', '/video', '/tasks', '/operations'];
const documentRefBase = 'urn:longrun:openapi';
const jsonTypes = new Set(['application/json', 'application/problem+json']);

interface PathMatcher {
  template: string;
  pattern: RegExp;
  literalSegments: number;
  item: PathItem;
}

function matcherOf(template: string, item: PathItem): PathMatcher {
  const segments = template.split('/').slice(1);
  const pattern = new RegExp(`^/${segments.map((segment) => (segment.startsWith('{') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`);
  return { template, pattern, literalSegments: segments.filter((segment) => !segment.startsWith('{')).length, item };
}

function isReference(value: object): value is Reference {
  return '$ref' in value;
}

/** Follows `#/components/...` references inside the document. */
function resolve<T extends object>(value: T | Reference): T {
  if (!isReference(value)) return value;
  let target: unknown = openApiDocument;
  for (const part of value.$ref.replace(/^#\//, '').split('/')) target = (target as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (typeof target !== 'object' || target === null) throw new Error(`unresolvable reference ${value.$ref}`);
  return target as T;
}

/** Rewrites in-document schema references to the id the whole components section is registered under. */
function absoluteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absoluteRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [
    key,
    key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${documentRefBase}${value}` : absoluteRefs(value),
  ]));
}

export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: false });
  private readonly matchers: PathMatcher[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
    this.ajv.addSchema(absoluteRefs({ $id: documentRefBase, components: { schemas: openApiDocument.components.schemas } }) as object);
    this.matchers = Object.entries(openApiDocument.paths).map(([template, item]) => matcherOf(template, item));
  }

  /** The document's path template for a concrete path (literal segments win: /videos/tasks over /videos/{id}). */
  templateOf(path: string): PathMatcher | null {
    let best: PathMatcher | null = null;
    for (const matcher of this.matchers) {
      if (matcher.pattern.test(path) && (!best || matcher.literalSegments > best.literalSegments)) best = matcher;
    }
    return best;
  }

  /** Whether the response needs its body read for check(): a JSON body of a documented path. */
  wantsBody(method: string, path: string, contentType: string | null): boolean {
    return method !== 'HEAD' && this.templateOf(path) !== null && contentType !== null && jsonTypes.has(baseType(contentType));
  }

  /** Every way the response departs from the document; [] when it conforms or is not REST's. */
  check(response: ObservedResponse): Violation[] {
    const url = new URL(response.url);
    const path = url.pathname;
    const method = response.method.toUpperCase();
    const violation = (problem: string): Violation => ({ method, path: path + url.search, status: response.status, problem });
    if (method === 'OPTIONS') return []; // CORS preflights are no operation of the API
    const matcher = this.templateOf(path);
    if (!matcher) {
      const restLooking = restPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
      return restLooking && response.status < 400 ? [violation('the path is answered but not in the OpenAPI document')] : [];
    }
    const operation = matcher.item[(method === 'HEAD' ? 'get' : method.toLowerCase()) as HttpMethod];
    if (!operation) return this.checkUndocumentedMethod(matcher, response, violation);
    return this.checkOperation(matcher.template, operation, method, response, violation);
  }

  /** A method the path does not take: 405 with an Allow that lists exactly the documented methods, or a refusal before routing. */
  private checkUndocumentedMethod(matcher: PathMatcher, response: ObservedResponse, violation: (problem: string) => Violation): Violation[] {
    const documented = Object.keys(matcher.item).filter((key) => key !== 'parameters').map((key) => key.toUpperCase());
    if (documented.includes('GET')) documented.push('HEAD');
    if (response.status === 405) {
      const allowed = (response.header('allow') ?? '').split(',').map((word) => word.trim()).filter(Boolean);
      const same = allowed.length === documented.length && documented.every((m) => allowed.includes(m));
      return same ? [] : [violation(`405 Allow "${allowed.join(', ')}" differs from the documented methods ${documented.join(', ')}`)];
    }
    if ([400, 401, 403, 404, 421, 500, 503].includes(response.status)) return [];
    return [violation(`the method is not documented for ${matcher.template} (documented: ${documented.join(', ')})`)];
  }

  private checkOperation(template: string, operation: Operation, method: string, response: ObservedResponse, violation: (problem: string) => Violation): Violation[] {
    const documented = operation.responses[String(response.status)];
    if (!documented) {
      return [violation(`status ${response.status} is not documented for ${method} ${template} (documented: ${Object.keys(operation.responses).join(', ')})`)];
    }
    const spec = resolve<Response>(documented);
    const violations: Violation[] = [];
    for (const [name, header] of Object.entries(spec.headers ?? {})) {
      if (resolve<Header>(header).required && response.header(name) === null) violations.push(violation(`required header ${name} is missing`));
    }
    const contentType = response.header('content-type');
    const mediaTypes = Object.keys(spec.content ?? {});
    if (mediaTypes.length === 0) return violations;
    if (contentType === null) {
      // A HEAD or an empty body may come without one; a body must say what it is.
      if (method !== 'HEAD' && Number(response.header('content-length') ?? '0') > 0) violations.push(violation('a body without Content-Type'));
      return violations;
    }
    const type = baseType(contentType);
    if (!mediaTypes.includes(type)) return [...violations, violation(`Content-Type ${type} is not documented (documented: ${mediaTypes.join(', ')})`)];
    if (!jsonTypes.has(type) || response.body === null || method === 'HEAD') return violations;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [...violations, violation(`the ${type} body is not JSON: ${JSON.stringify(response.body.slice(0, 80))}`)];
    }
    const validate = this.schemaValidator(`${template} ${method} ${response.status} ${type}`, spec.content?.[type]?.schema ?? {});
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''}`).join('; ');
      violations.push(violation(`the body does not match the schema: ${errors}`));
    }
    return violations;
  }

  private schemaValidator(key: string, schema: object): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(absoluteRefs(schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

function baseType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** "GET /videos/tasks/x 200: what failed", one a line. */
export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `  ${v.method} ${v.path} → ${v.status}: ${v.problem}`).join('\n');
}
