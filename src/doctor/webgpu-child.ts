/**
 * The doctor's WebGPU probe, run in a child process of `tidepool doctor` (see probeWebGpuInChild):
 * Dawn writes its warnings to the process's stderr, which only a parent can catch and explain.
 * Prints the {@link WebGpuFact} as one JSON line on stdout.
 */
import { probeWebGpu } from './probe.js';

const fact = await probeWebGpu();
process.stdout.write(`${JSON.stringify(fact)}\n`);
