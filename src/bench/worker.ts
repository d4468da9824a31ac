/** A benchmark worker thread: runs the jobs it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import { runOne, type RunJob } from './run-one.js';

parentPort!.on('message', (job: RunJob) => {
  parentPort!.postMessage(runOne(job));
});
