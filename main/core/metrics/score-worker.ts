import { parentPort } from 'node:worker_threads';
import { type ScorePart, scoreRaw } from './score.js';
import { loadOrb } from './orb.js';
import type { RawImage } from '../image/raw.js';

type Msg = { type: 'warm' } | { type: 'score'; part: ScorePart; a: RawImage; b: RawImage };

// ORB (wasm) and SSIM are synchronous CPU work: running them here lets images score at once, and the
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
    parentPort!.postMessage({ scores: scoreRaw(wrap(msg.a), wrap(msg.b), msg.part) });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
