import { describe, expect, it } from 'vitest';
import { judgeAudit } from '../scripts/audit-gate.js';

// The shape `npm audit --omit=dev --json` prints (auditReportVersion 2), trimmed to the fields judged.
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'fast-xml-parser': {
      name: 'fast-xml-parser',
      severity: 'high',
      isDirect: false,
      via: [{ source: 1096366, name: 'fast-xml-parser', title: 'Regular expression denial of service', url: 'https://github.com/advisories/GHSA-x3cc-x39p-42qx', severity: 'high', range: '<4.4.1' }],
      effects: ['@aws-sdk/core'],
    },
    '@aws-sdk/core': { name: '@aws-sdk/core', severity: 'high', isDirect: false, via: ['fast-xml-parser'], effects: [] },
    semver: {
      name: 'semver',
      severity: 'moderate',
      isDirect: false,
      via: [{ source: 1, name: 'semver', title: 'ReDoS', url: 'https://github.com/advisories/GHSA-c2qf-rxjj-qqgw', severity: 'moderate', range: '<7.5.2' }],
      effects: [],
    },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 2, critical: 0, total: 3 } },
};

describe('npm audit gate', () => {
  it('fails on a high advisory in a production dependency, once, and ignores moderate ones', () => {
    const v = judgeAudit(report);
    expect(v).toEqual({
      verdict: 'fail',
      excepted: [],
      findings: [{ package: 'fast-xml-parser', severity: 'high', title: 'Regular expression denial of service', advisory: 'https://github.com/advisories/GHSA-x3cc-x39p-42qx' }],
    });
  });

  it('passes when each serious advisory is explained, but not with an empty reason', () => {
    const exception = { advisory: 'GHSA-x3cc-x39p-42qx', package: 'fast-xml-parser', why: 'only parses S3 responses from the bucket the user chose' };
    expect(judgeAudit(report, [exception])).toMatchObject({ verdict: 'pass', excepted: [{ package: 'fast-xml-parser' }] });
    expect(judgeAudit(report, [{ ...exception, why: ' ' }])).toMatchObject({ verdict: 'fail' });
    expect(judgeAudit(report, [{ ...exception, advisory: 'GHSA-other' }])).toMatchObject({ verdict: 'fail' });
  });

  it('passes a clean report', () => {
    expect(judgeAudit({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { high: 0, critical: 0, total: 0 } } })).toMatchObject({ verdict: 'pass' });
  });

  it('says the audit did not run when the endpoint refuses, instead of passing', () => {
    // what npm prints on the machines this project is built on
    const refused = { message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, body: '' };
    expect(judgeAudit(refused)).toEqual({ verdict: 'unreachable', reason: refused.message });
    expect(judgeAudit(undefined)).toMatchObject({ verdict: 'unreachable' });
  });
});
