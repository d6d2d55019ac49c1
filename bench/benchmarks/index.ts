// Every benchmark, in the order of the figures (1-8 from issue 4, 9-11 from issue 8, 12 from issue 10, 13 from issue 12).
import type { Benchmark } from '../lib/figure.js';
import { failover } from './failover.js';
import { fanout } from './fanout.js';
import { readGrpc } from './grpcReads.js';
import { operatingCost } from './operatingCost.js';
import { readGraphql, readRest } from './reads.js';
import { render } from './render.js';
import { subscribeStorm } from './subscribeStorm.js';
import { subscriberMemory } from './subscriberMemory.js';
import { subscriptionLatency } from './subscriptionLatency.js';
import { tasksGraphql, tasksRest } from './taskThroughput.js';
import { tasksWorkers } from './taskWorkers.js';

export const benchmarks: Benchmark[] = [
  tasksGraphql, tasksRest, readRest, readGraphql, subscriptionLatency, subscriberMemory, fanout, render,
  tasksWorkers, subscribeStorm, failover, readGrpc, operatingCost,
];
