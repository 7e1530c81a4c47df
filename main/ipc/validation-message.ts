import type { z } from 'zod';

/** Field names as the app's screens call them; a request's key never reaches the user as such. */
const LABELS: Record<string, string> = {
  input: 'The input',
  output: 'The results folder',
  providers: 'Providers',
  localModel: 'Local model',
  localPrecision: 'Arithmetic (fp32/int8)',
  factor: 'Downscale factor',
  fit: 'Fit range',
  min: 'Fit range',
  max: 'Fit range',
  format: 'Stored format',
  quality: 'Quality',
  concurrency: 'Images at once',
  store: 'Store',
  bucket: 'Bucket',
  prefix: 'Prefix',
  region: 'Region',
  s3Endpoint: 'S3 endpoint URL',
  endpoint: 'Endpoint name',
  sagemakerUrl: 'SageMaker URL',
  kind: 'What to choose',
  folder: 'Folder',
  jobId: 'Run reference',
  runId: 'Run',
  row: 'Row',
  rows: 'Rows',
  which: 'Image',
  storagePricePerGbMonth: 'Storage price ($/GB-month)',
  monthlyVolumeImages: 'Images stored',
  sagemakerPricePerHour: 'SageMaker price ($/hour)',
  awsProfile: 'AWS profile',
  accessKeyId: 'Access key id',
  secretAccessKey: 'Secret access key',
  sessionToken: 'Session token',
  path: 'The model file',
  name: 'Model name',
  force: 'Replace',
  metrics: 'Scores',
  target: 'Target',
  metric: 'Target metric',
  value: 'Target value',
  at: 'Target statistic',
  targetSsim: 'Target SSIM',
  uri: 'The S3 prefix',
  sample: 'Sample',
  groupBy: 'Group by',
  n: 'Sample size',
  seed: 'Seed',
};

/** What a pattern allows, for the schema messages that only say "not a …". */
const RULES: Record<string, string> = {
  'not a model name': 'use up to 64 letters, digits, dots, underscores, plus and minus signs, starting with a letter or digit',
  'not an AWS region': 'it looks like us-east-1 or eu-west-2',
  'not an s3://bucket/prefix address': 'it looks like s3://bucket/photos',
};

const KINDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  array: 'a list',
  object: 'a set of fields',
  boolean: 'yes or no',
};

/** The last named field of a path (array positions skipped): `lastRun.quality` is "Quality", `providers[2]` is "Providers". */
function labelOf(path: PropertyKey[]): string | null {
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i];
    if (typeof key === 'string') return LABELS[key] ?? 'A setting';
  }
  return null;
}

const list = (xs: unknown[]) => (xs.length <= 1 ? xs.map(String).join('') : `${xs.slice(0, -1).map(String).join(', ')} or ${String(xs.at(-1))}`);

/**
 * One sentence a person can act on, for the first problem in a request: never a schema path, never zod's
 * wording. The renderer validates its forms first, so this is what a bad or hostile caller sees.
 */
export function plainValidationMessage(error: z.ZodError): string {
  const issue = error.issues[0] as (z.core.$ZodIssue & { input?: unknown }) | undefined;
  if (!issue) return 'The request is not valid.';
  const label = labelOf(issue.path);
  if (!label) return issue.code === 'unrecognized_keys' ? 'The request has settings this app does not know.' : 'The request is malformed.';
  switch (issue.code) {
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const bound = Number(big ? (issue as { maximum: number | bigint }).maximum : (issue as { minimum: number | bigint }).minimum);
      const origin = (issue as { origin?: string }).origin;
      if (origin === 'string') return big ? `${label} is too long (at most ${bound} characters).` : bound <= 1 ? `${label} is empty.` : `${label} is too short (at least ${bound} characters).`;
      if (origin === 'array') return big ? `${label}: choose at most ${bound}.` : `${label}: choose at least ${bound === 1 ? 'one' : bound}.`;
      return big ? `${label} must be ${bound} or less.` : `${label} must be ${bound} or more.`;
    }
    case 'invalid_type': {
      if (issue.input === undefined) return `${label} is missing.`;
      const expected = String((issue as { expected?: string }).expected ?? '');
      return `${label} must be ${KINDS[expected] ?? 'something else'}.`;
    }
    case 'invalid_value':
      return `${label} must be ${list((issue as { values: unknown[] }).values)}.`;
    case 'invalid_union': {
      // literal unions (the factor) list their choices; anything else is just "not valid"
      const options = (issue as { errors?: { code: string; values?: unknown[] }[][] }).errors?.flatMap((e) => e.flatMap((x) => x.values ?? [])) ?? [];
      return options.length ? `${label} must be ${list(options)}.` : `${label} is not valid.`;
    }
    case 'unrecognized_keys':
      return `${label} has settings this app does not know.`;
    case 'invalid_format': {
      const format = (issue as { format?: string }).format;
      if (format === 'url') return `${label} must be a web address (https://…).`;
      // a schema's own message is written for people ("not an AWS region"); zod's defaults are not
      const own = issue.message && !/invalid|expected|must match/i.test(issue.message) ? issue.message : null;
      if (!own) return `${label} is not valid.`;
      if (RULES[own]) return `${label}: ${RULES[own]}.`;
      return own.startsWith('not ') ? `${label} is ${own}.` : `${own[0].toUpperCase()}${own.slice(1)}.`;
    }
    case 'custom': {
      // a schema's own sentence (see `plain` in ipc-contract.ts); others keep the plain default
      const own = (issue as { params?: { plain?: boolean } }).params?.plain ? issue.message : null;
      return own ? `${label}: ${own}.` : `${label} is not valid.`;
    }
    default:
      return `${label} is not valid.`;
  }
}
