// Figure 12: gRPC GetOperation calls per second (50 calls in flight on one channel) against a bare
// grpc-js server that serves the same method on the same protos with the same Prisma read (the
// task with its video) and a minimal Operation, on the same Prisma client.
import { credentials, loadPackageDefinition as grpcPackage, Server, ServerCredentials, status, type Client, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { loadPackageDefinition } from '../../src/grpc/protos.js';
import { startBenchApp, trivialProcessor } from '../lib/benchApp.js';
import { ratioFigure, type BenchContext, type Benchmark, type Figure } from '../lib/figure.js';
import { median, nowMs } from '../lib/stats.js';
import { READ_CONNECTIONS, seedTasks } from './reads.js';

type Unary = (request: { name: string }, callback: (error: ServiceError | null, response?: { name: string; done: boolean }) => void) => void;
type OperationsClient = Client & { GetOperation: Unary };

function operationsClient(address: string): OperationsClient {
  const loaded = grpcPackage(loadPackageDefinition()) as unknown as { google: { longrunning: { Operations: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => OperationsClient } } };
  return new loaded.google.longrunning.Operations(address, credentials.createInsecure());
}

/** The floor: grpc-js, the same GetOperation method, one Prisma findUnique (task + video), a minimal Operation. */
async function startFloorServer(prisma: PrismaClient): Promise<{ address: string; close(): Promise<void> }> {
  const definition = loadPackageDefinition();
  const server = new Server();
  server.addService(definition['google.longrunning.Operations'] as ServiceDefinition, {
    GetOperation(call: { request: { name: string } }, callback: (error: Partial<ServiceError> | null, response?: unknown) => void) {
      const id = call.request.name.slice('operations/'.length);
      prisma.task.findUnique({ where: { id }, include: { video: true } }).then(
        (task) => (task ? callback(null, { name: call.request.name, done: task.finishedAt !== null }) : callback({ code: status.NOT_FOUND })),
        () => callback({ code: status.INTERNAL }),
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { address: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

/** Calls GetOperation over `names` in rotation with `inFlight` calls outstanding for `seconds`; calls/s. */
async function callLoad(client: OperationsClient, names: string[], inFlight: number, seconds: number): Promise<{ callsPerSecond: number; errors: number }> {
  const deadline = nowMs() + seconds * 1000;
  let calls = 0;
  let errors = 0;
  let next = 0;
  const started = nowMs();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (nowMs() < deadline) {
      const name = names[next++ % names.length] as string;
      await new Promise<void>((resolve) => client.GetOperation({ name }, (error) => {
        if (error) errors++;
        else calls++;
        resolve();
      }));
    }
  }));
  return { callsPerSecond: calls / ((nowMs() - started) / 1000), errors };
}

export const readGrpc: Benchmark = {
  name: 'read-grpc',
  title: 'gRPC GetOperation calls/s (50 in flight)',
  perDatabase: true,
  defaultRounds: 5,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const bench = await startBenchApp({ db: ctx.db, processors: { CREATE_VIDEO: trivialProcessor } });
    const floorServer = await startFloorServer(bench.app.services.database.prisma);
    const app = operationsClient(bench.app.grpcAddress);
    const floor = operationsClient(floorServer.address);
    try {
      const names = (await seedTasks(bench, 20)).map((id) => `operations/${id}`);
      // Warm-up, and a check that both answer.
      for (const client of [floor, app]) {
        const warm = await callLoad(client, names, 4, 1);
        if (warm.errors > 0 || warm.callsPerSecond === 0) throw new Error(`warm-up failed: ${JSON.stringify(warm)}`);
      }
      const values: number[] = [];
      const floors: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const f = await callLoad(floor, names, READ_CONNECTIONS, ctx.seconds);
        const v = await callLoad(app, names, READ_CONNECTIONS, ctx.seconds);
        if (v.errors > 0) throw new Error(`app calls failed: ${v.errors}`);
        floors.push(f.callsPerSecond);
        values.push(v.callsPerSecond);
        ctx.log(`round ${r + 1}: app ${v.callsPerSecond.toFixed(0)} calls/s, floor ${f.callsPerSecond.toFixed(0)} calls/s`);
      }
      const target = 0.5;
      return [ratioFigure({
        figure: '12',
        bench: this.name,
        name: 'gRPC GetOperation calls/s (50 in flight) vs grpc-js + same Prisma read',
        db: ctx.db,
        value: median(values),
        floor: median(floors),
        unit: 'calls/s',
        target: `>= ${target}`,
        details: { inFlight: READ_CONNECTIONS },
      }, { atLeast: target }, values.map((value, i) => ({ value, floor: floors[i] as number })))];
    } finally {
      app.close();
      floor.close();
      await floorServer.close();
      await bench.stop();
    }
  },
};
