// A real @grpc/grpc-js client for tests, on the same protos as the server (proto-loader),
// promisified, with the status details trailer and google.protobuf.Any decoded by protobufjs.
import { credentials, type ClientDuplexStream, loadPackageDefinition as toGrpcObject, Metadata, type Client, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { createRequire } from 'node:module';
import path from 'node:path';
import { statusDetailsKey } from '../../src/grpc/errors.js';
import type { Operation } from '../../src/grpc/messages.js';
import { decodeMessage, loadPackageDefinition, unpackAny } from '../../src/grpc/protos.js';

const require = createRequire(import.meta.url);

type Callback = (error: ServiceError | null, response: unknown) => void;
type UnaryMethod = (request: object, metadata: Metadata, options: { deadline?: Date }, callback: Callback) => void;

export interface ReceivedOperation extends Operation {
  /** The packed metadata, decoded. */
  meta: Record<string, unknown>;
  /** The packed response, decoded (with its type name), when there is one. */
  result: { typeName: string; message: Record<string, unknown> } | null;
}

export interface StatusDetails {
  code: number;
  message: string;
  details: { typeName: string; message: Record<string, unknown> }[];
}

function constructorAt(root: Record<string, unknown>, dotted: string): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of dotted.split('.')) node = (node as Record<string, unknown>)[part];
  return node as ServiceClientConstructor;
}

const services = toGrpcObject(loadPackageDefinition()) as unknown as Record<string, unknown>;
const healthServices = toGrpcObject(protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String })) as unknown as Record<string, unknown>;
const reflectionProto = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');
const reflectionServices = toGrpcObject(protoLoader.loadSync(reflectionProto, { keepCase: true })) as unknown as Record<string, unknown>;

export function decodeOperation(operation: Operation): ReceivedOperation {
  return {
    ...operation,
    meta: unpackAny(operation.metadata).message,
    result: operation.response ? unpackAny(operation.response) : null,
  };
}

/** The google.rpc.Status in an error's `grpc-status-details-bin` trailer, its details unpacked. */
export function statusDetails(error: ServiceError): StatusDetails {
  const [raw] = error.metadata.get(statusDetailsKey);
  if (!(raw instanceof Buffer)) throw new Error(`no ${statusDetailsKey} trailer on ${error.code} ${error.details}`);
  const decoded = decodeMessage('google.rpc.Status', raw) as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
  return { code: decoded.code, message: decoded.message, details: decoded.details.map((any) => unpackAny(any)) };
}

export class GrpcTestClient {
  readonly operations: Client;
  readonly videos: Client;
  readonly health: Client;
  readonly reflection: Client;

  constructor(address: string, private readonly authorization?: string) {
    const insecure = credentials.createInsecure();
    this.operations = new (constructorAt(services, 'google.longrunning.Operations'))(address, insecure);
    this.videos = new (constructorAt(services, 'longrun.v1.Videos'))(address, insecure);
    this.health = new (constructorAt(healthServices, 'grpc.health.v1.Health'))(address, insecure);
    this.reflection = new (constructorAt(reflectionServices, 'grpc.reflection.v1.ServerReflection'))(address, insecure);
  }

  metadata(): Metadata {
    const metadata = new Metadata();
    if (this.authorization) metadata.set('authorization', this.authorization);
    return metadata;
  }

  call<T = Record<string, unknown>>(client: Client, method: string, request: object, options: { deadline?: Date } = {}): Promise<T> {
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new Error(`no method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(client, request, this.metadata(), options, (error, response) => (error ? reject(error) : resolve(response as T)));
    });
  }

  op(method: string, request: object, options: { deadline?: Date } = {}): Promise<Record<string, unknown>> {
    return this.call(this.operations, method, request, options);
  }

  video(method: string, request: object): Promise<Record<string, unknown>> {
    return this.call(this.videos, method, request);
  }

  async operation(client: Client, method: string, request: object, options: { deadline?: Date } = {}): Promise<ReceivedOperation> {
    return decodeOperation(await this.call<Operation>(client, method, request, options));
  }

  create(request: { title: string; plot?: string; duration_seconds?: number; request_id?: string }): Promise<ReceivedOperation> {
    return this.operation(this.videos, 'CreateVideo', { plot: '', ...request });
  }

  get(name: string): Promise<ReceivedOperation> {
    return this.operation(this.operations, 'GetOperation', { name });
  }

  /** Every message of WatchOperation until the stream ends, and how it ended. */
  watch(name: string, afterVersion = 0, onMessage?: (operation: ReceivedOperation) => void): Promise<{ messages: ReceivedOperation[]; error: ServiceError | null }> {
    const stream = (this.videos as unknown as Record<string, (request: object, metadata: Metadata) => NodeJS.ReadableStream>).WatchOperation!
      .call(this.videos, { name, after_version: afterVersion }, this.metadata());
    return new Promise((resolve) => {
      const messages: ReceivedOperation[] = [];
      stream.on('data', (operation: Operation) => {
        const decoded = decodeOperation(operation);
        messages.push(decoded);
        onMessage?.(decoded);
      });
      stream.on('error', (error: ServiceError) => resolve({ messages, error }));
      stream.on('end', () => resolve({ messages, error: null }));
    });
  }

  /** One request on a ServerReflectionInfo stream, and its first answer. */
  reflect<T>(request: object): Promise<T> {
    const stream = (this.reflection as unknown as Record<string, () => ClientDuplexStream<object, T>>).ServerReflectionInfo!.call(this.reflection);
    return new Promise((resolve, reject) => {
      stream.on('data', (response: T) => {
        resolve(response);
        stream.end();
      });
      stream.on('error', reject);
      stream.write(request);
    });
  }

  close(): void {
    for (const client of [this.operations, this.videos, this.health, this.reflection]) client.close();
  }
}

/** The error a promise rejects with (a ServiceError), or a failure if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}
