import { parentPort } from 'node:worker_threads';
import { scoreRaw } from './score.js';
import type { RawImage } from '../image/raw.js';

// ORB (wasm) and SSIM are synchronous CPU work: running them here lets two images score at once.
parentPort!.on('message', (msg: { id: number; a: RawImage; b: RawImage }) => {
  try {
    const wrap = (r: RawImage): RawImage => ({ ...r, data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength) });
    parentPort!.postMessage({ id: msg.id, scores: scoreRaw(wrap(msg.a), wrap(msg.b)) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
