/**
 * `npm run audit:prod`: `npm audit --omit=dev`, judged. Exit 0 when no high or critical advisory touches a
 * production dependency (or each one is explained in audit-exceptions.json, which the README mirrors),
 * 1 when one does, 3 when the advisory endpoint cannot be reached — CI reports that loudly instead of
 * pretending the audit passed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface AuditException {
  /** GHSA id (or advisory URL) the exception is for. */
  advisory: string;
  package: string;
  why: string;
}

export interface Finding {
  package: string;
  severity: string;
  title: string;
  advisory: string;
}

export type Verdict =
  | { verdict: 'pass'; excepted: Finding[]; counts: Record<string, number> }
  | { verdict: 'fail'; findings: Finding[]; excepted: Finding[] }
  | { verdict: 'unreachable'; reason: string };

const SERIOUS = new Set(['high', 'critical']);

/** Judges `npm audit --json` output (report version 2, npm 7 and later). */
export function judgeAudit(report: unknown, exceptions: readonly AuditException[] = []): Verdict {
  const r = report as { vulnerabilities?: Record<string, { severity: string; via: unknown[] }>; metadata?: { vulnerabilities?: Record<string, number> }; message?: string; statusCode?: number };
  if (!r || typeof r !== 'object' || !r.vulnerabilities) {
    return { verdict: 'unreachable', reason: r?.message ?? 'npm audit gave no report' };
  }
  const findings: Finding[] = [];
  for (const [name, v] of Object.entries(r.vulnerabilities)) {
    // `via` holds advisories (objects) and, for packages only vulnerable through another, names (strings).
    for (const via of v.via) {
      if (typeof via !== 'object' || via === null) continue;
      const a = via as { severity: string; title?: string; url?: string; source?: number };
      if (!SERIOUS.has(a.severity)) continue;
      findings.push({ package: name, severity: a.severity, title: a.title ?? '', advisory: a.url ?? String(a.source ?? '') });
    }
  }
  const excused = (f: Finding) => exceptions.some((e) => e.package === f.package && f.advisory.includes(e.advisory) && e.why.trim().length > 0);
  const excepted = findings.filter(excused);
  const open = findings.filter((f) => !excused(f));
  return open.length ? { verdict: 'fail', findings: open, excepted } : { verdict: 'pass', excepted, counts: r.metadata?.vulnerabilities ?? {} };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const exceptions = JSON.parse(readFileSync(new URL('../audit-exceptions.json', import.meta.url), 'utf8')) as AuditException[];
  const npm = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  let report: unknown;
  try {
    report = JSON.parse(npm.stdout);
  } catch {
    report = { message: (npm.stderr || npm.error?.message || 'npm audit printed no JSON').trim().split('\n').pop() };
  }
  const v = judgeAudit(report, exceptions);
  if (v.verdict === 'unreachable') {
    console.error(`audit NOT run: the advisory endpoint could not be used (${v.reason})`);
    process.exit(3);
  }
  for (const f of v.excepted) console.error(`excepted  ${f.severity.padEnd(8)} ${f.package}: ${f.title} (${f.advisory})`);
  if (v.verdict === 'fail') {
    for (const f of v.findings) console.error(`ADVISORY  ${f.severity.padEnd(8)} ${f.package}: ${f.title} (${f.advisory})`);
    console.error(`audit failed: ${v.findings.length} high/critical advisories in production dependencies`);
    process.exit(1);
  }
  console.error(`audit passed: no high or critical advisory in production dependencies (${JSON.stringify(v.counts)})`);
}
