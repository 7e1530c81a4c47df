import { parentPort } from 'node:worker_threads';
import { scoreSome } from './score.js';
import type { Metric } from './metric-names.js';
import { loadOrb } from './orb.js';
import type { RawImage } from '../image/raw.js';

type Msg = { type: 'warm' } | { type: 'score'; metrics: Metric[]; a: RawImage; b: RawImage };

// Every score is synchronous CPU work (ORB in wasm): running them here lets images score at once, and the
// two halves of one image's scores on two threads.
parentPort!.on('message', (msg: Msg) => {
  if (msg.type === 'warm') {
    try {
      loadOrb();
    } catch {
      // the first score reports it, on its row
    }
    return;
  }
  try {
    const wrap = (r: RawImage): RawImage => ({ ...r, data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength) });
    parentPort!.postMessage({ scores: scoreSome(wrap(msg.a), wrap(msg.b), msg.metrics) });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
