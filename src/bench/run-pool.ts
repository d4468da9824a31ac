/**
 * Runs benchmark jobs on worker threads, one per core, so that a full
 * benchmark uses the machine; results come back in job order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { runOne, type RunJob, type RunResult } from './run-one.js';

export async function runJobs(jobs: readonly RunJob[], threads = availableParallelism(), onDone?: (r: RunResult) => void): Promise<RunResult[]> {
  if (threads <= 1) {
    return jobs.map((j) => {
      const r = runOne(j);
      onDone?.(r);
      return r;
    });
  }
  const results: RunResult[] = new Array(jobs.length);
  let next = 0;
  const workerUrl = new URL('./worker.js', import.meta.url);
  const lanes = Array.from({ length: Math.min(threads, jobs.length) }, async () => {
    const worker = new Worker(workerUrl);
    try {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await new Promise<RunResult>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage(jobs[index]);
        });
        worker.removeAllListeners('error');
        onDone?.(results[index]!);
      }
    } finally {
      await worker.terminate();
    }
  });
  await Promise.all(lanes);
  return results;
}
