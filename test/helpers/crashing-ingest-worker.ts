/**
 * A stand-in for src/ingest/ingest-worker.ts that dies on an input named `crash` (as a thread
 * that runs out of memory would) and answers every other input with an empty last batch.
 */
import { parentPort } from 'node:worker_threads';
import type { FromIngestWorker, ToIngestWorker } from '../../src/ingest/ingest-messages.js';

parentPort?.on('message', (message: ToIngestWorker) => {
  if (message.type !== 'bytes') return;
  if (message.name === 'crash') setTimeout(() => process.exit(3), 50);
  else {
    setTimeout(() => {
      parentPort?.postMessage({
        type: 'batch',
        id: message.id,
        events: [{ kind: 'rejected', rejection: { code: 'no-report-found', message: `${message.bytes.length} bytes read` }, source: message.name }],
        records: { strings: [], layout: new Float64Array(0) },
        recordCount: 0,
        last: true,
      } satisfies FromIngestWorker);
    }, 100);
  }
});
