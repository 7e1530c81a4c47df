import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobEvent } from '../../preload/ipc-contract.js';
import { createHandlers } from '../../main/ipc/handlers.js';
import { type Host, MemorySecretStore } from '../../main/ipc/host.js';

/** The real handlers with dialogs replaced by fixed answers, as main would register them. */
export async function testHandlers(answers: { folder?: string; csv?: string; save?: string; model?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'ipc-'));
  const events: JobEvent[] = [];
  // Each set of handlers gets its own empty model library (runs and handlers both read this variable).
  process.env.UPSCALE_BENCH_MODELS = join(dir, 'models');
  const host: Host = {
    userDataDir: join(dir, 'user-data'),
    defaultResultsRoot: join(dir, 'runs'),
    pickFolder: async () => answers.folder ?? null,
    pickCsv: async () => answers.csv ?? null,
    pickSaveCsv: async () => answers.save ?? null,
    pickModelFile: async () => answers.model ?? null,
    openFolder: async () => true,
    emit: (e) => events.push(e),
    secrets: new MemorySecretStore(),
  };
  const handlers = createHandlers(host);
  const ended = (jobId: string) =>
    new Promise<JobEvent>((resolve) => {
      const poll = setInterval(() => {
        const e = events.find((x) => x.jobId === jobId && x.type === 'end');
        if (e) {
          clearInterval(poll);
          resolve(e);
        }
      }, 20);
    });
  return { dir, host, handlers, events, ended };
}
