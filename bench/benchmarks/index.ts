// Every benchmark, in the order of issue 4's table.
import type { Benchmark } from '../lib/figure.js';
import { fanout } from './fanout.js';
import { readGraphql, readRest } from './reads.js';
import { render } from './render.js';
import { subscriberMemory } from './subscriberMemory.js';
import { subscriptionLatency } from './subscriptionLatency.js';
import { tasksGraphql, tasksRest } from './taskThroughput.js';

export const benchmarks: Benchmark[] = [tasksGraphql, tasksRest, readRest, readGraphql, subscriptionLatency, subscriberMemory, fanout, render];
