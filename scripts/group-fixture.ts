/**
 * The app's view of a grouped sweep, for the renderer's tests: the rows exactly as the app receives them
 * (RunsRepo.open, the runs:open handler's own) and, per answer, what summary.json says for each group, so a
 * component test can check that the app's answer on a group's rows is summary.json's for that group.
 *   node --import tsx scripts/group-fixture.ts RUNS_ROOT OUT.json RUN_ID [RUN_ID …]
 * test/fixtures/readme-photos-groups.json: the README's worked example (docs/examples/readme-photos.csv,
 * `sweep … --provider bicubic,lanczos --factors 1,2,4 --formats webp,jpeg --qualities 30,50,80
 * --target ssimulacra2=50 --out RUNS_ROOT/photos-groups`), and a copy of it re-answered with
 * `sweep --resume RUNS_ROOT/photos-groups-p10 --at p10`. Every run must hold the same rows.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RunsRepo } from '../main/ipc/runs-repo.js';

const [root, out, ...ids] = process.argv.slice(2);
if (!root || !out || !ids.length) throw new Error('usage: group-fixture.ts RUNS_ROOT OUT.json RUN_ID [RUN_ID …]');
const repo = new RunsRepo(async () => resolve(root));
const runs = await Promise.all(ids.map((id) => repo.open(id)));
const rows = runs[0].rows;
for (const r of runs) if (JSON.stringify(r.rows) !== JSON.stringify(rows)) throw new Error(`${r.runId} holds other rows than ${runs[0].runId}`);

type Json = Record<string, unknown>;
const pick = (o: Json | undefined | null, keys: string[]) => (o ? Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]])) : null);
const SETTING = ['provider', 'factor', 'format', 'quality', 'stored_bytes_mean'];
/** What the app shows of an answer: the pick with its statistic, interval, worst case and stopping rule, and the frontiers. */
const answer = (a: Json) => {
  const rec = a.recommendation as Json | null;
  const stat = rec ? Object.keys(rec).filter((k) => /^ssimulacra2_(mean|p\d+|median)$/.test(k)) : [];
  return {
    recommendation: rec
      ? { ...pick(rec, [...SETTING, ...stat, 'worst_case']), ci: pick(rec.ci as Json, ['ssimulacra2_mean']), stopping: (rec.stopping as Json | undefined)?.sentence, recompress_only: pick(rec.recompress_only as Json, ['factor', 'format', 'quality']) }
      : null,
    pareto: Object.fromEntries(Object.entries((a.pareto ?? {}) as Record<string, Json[]>).map(([p, list]) => [p, list.map((e) => pick(e, ['factor', 'format', 'quality']))])),
  };
};
const fixture = {
  about: 'made by scripts/group-fixture.ts from real sweeps of docs/examples/readme-photos.csv; do not edit',
  rows,
  summaries: runs.map((r) => {
    const s = r.summary as Json;
    return {
      target: s.target,
      confidence: s.confidence,
      group_by: s.group_by,
      overall: answer(s),
      groups: (s.groups as Json[]).map((g) => ({ group: g.group, inputs: (g.counts as Json).inputs, ...answer(g) })),
    };
  }),
};
await writeFile(out, JSON.stringify(fixture) + '\n');
process.stdout.write(`${out}: ${rows.length} rows, ${runs.length} summaries\n`);
