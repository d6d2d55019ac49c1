// The protos of the gRPC interface, read from disk at start (nothing is fetched): ours in
// proto/longrun/v1, Google's from the google-proto-files package. proto-loader makes the
// service definitions grpc-js serves (and reflection describes); a protobufjs Root of the same
// files encodes what travels inside google.protobuf.Any and the status details trailer.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

/** Where `import "longrun/v1/..."` and `import "google/..."` are found. */
export const protoIncludeDirs: readonly string[] = [
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto'),
  path.dirname(require.resolve('google-proto-files/package.json')),
];

export const protoFiles: readonly string[] = ['longrun/v1/longrun.proto', 'google/longrunning/operations.proto'];

/**
 * keepCase: field names as the .proto spells them (request_id, page_token), on the server and in
 * the tests' clients alike; enums as their names; int64 as strings; unset scalars as defaults.
 */
export const loaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [...protoIncludeDirs],
};

export function loadPackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync([...protoFiles], loaderOptions);
}

let root: protobuf.Root | null = null;

/** The message types (longrun.v1.*, google.rpc.*, google.protobuf.*), loaded once. */
export function protoRoot(): protobuf.Root {
  if (root) return root;
  const loaded = new protobuf.Root();
  loaded.resolvePath = (origin, target) => {
    for (const dir of protoIncludeDirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  loaded.loadSync([...protoFiles, 'google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

/** google.protobuf.Any as grpc-js (proto-loader) sends it. */
export interface AnyMessage {
  type_url: string;
  value: Buffer;
}

export const typeUrlPrefix = 'type.googleapis.com/';

/** Packs `message` (plain object, field names as in the .proto) as google.protobuf.Any of `typeName`. */
export function packAny(typeName: string, message: Record<string, unknown>): AnyMessage {
  const type = protoRoot().lookupType(typeName);
  return { type_url: typeUrlPrefix + typeName, value: Buffer.from(type.encode(type.fromObject(message)).finish()) };
}

/** The message inside an Any, as a plain object (enums as names, int64 as strings, defaults filled in). */
export function unpackAny(any: { type_url: string; value: Uint8Array }): { typeName: string; message: Record<string, unknown> } {
  if (!any.type_url.startsWith(typeUrlPrefix)) throw new Error(`not a type.googleapis.com type URL: ${any.type_url}`);
  const typeName = any.type_url.slice(typeUrlPrefix.length);
  const type = protoRoot().lookupType(typeName);
  return { typeName, message: type.toObject(type.decode(any.value), { enums: String, longs: String, defaults: true }) };
}

/** Encodes one message of `typeName` (google.rpc.Status for the details trailer). */
export function encodeMessage(typeName: string, message: Record<string, unknown>): Buffer {
  const type = protoRoot().lookupType(typeName);
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

export function decodeMessage(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = protoRoot().lookupType(typeName);
  return type.toObject(type.decode(bytes), { enums: String, longs: String, defaults: true });
}
