/**
 * The setup form's checks, in the words the screen uses: one message per field, shown beside it, and
 * Start stays disabled while any is set. Main validates again; this is what the user should see first.
 */
export interface SetupFields {
  quality: string;
  format: string;
  store: 'local' | 's3';
  bucket: string;
  prefix: string;
  region: string;
  sagemaker: boolean;
  endpoint: string;
}

export type FieldErrors = Partial<Record<'quality' | 'bucket' | 'prefix' | 'region' | 'endpoint', string>>;

export function parseQuality(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= 100 ? n : null;
}

export function validateSetup(f: SetupFields): FieldErrors {
  const e: FieldErrors = {};
  // PNG is lossless: its quality box is off and not checked
  if (f.format === 'png') {
    // nothing to check
  } else if (f.quality.trim() === '') e.quality = 'Enter a quality from 1 to 100.';
  else if (!/^\d+$/.test(f.quality.trim())) e.quality = 'Quality is a whole number from 1 to 100.';
  else if (parseQuality(f.quality) === null) e.quality = `Quality goes from 1 to 100; ${f.quality.trim()} is ${Number(f.quality) > 100 ? 'too high' : 'too low'}.`;
  const needsRegion = f.store === 's3' || f.sagemaker;
  if (needsRegion && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(f.region.trim())) e.region = 'Region looks like us-east-1 or eu-west-2.';
  if (f.store === 's3') {
    const b = f.bucket.trim();
    if (!b) e.bucket = 'Name the S3 bucket.';
    else if (b.length < 3 || b.length > 63) e.bucket = 'A bucket name is 3 to 63 characters long.';
    else if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(b)) e.bucket = 'A bucket name uses lowercase letters, digits, dots and hyphens, and starts and ends with a letter or digit.';
    if (f.prefix.length > 512) e.prefix = 'The prefix is too long (at most 512 characters).';
  }
  if (f.sagemaker) {
    const name = f.endpoint.trim();
    if (!name) e.endpoint = 'Name the SageMaker endpoint.';
    else if (name.length > 63 || !/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(name)) e.endpoint = 'An endpoint name is up to 63 letters, digits and hyphens (its name, not its ARN).';
  }
  return e;
}
