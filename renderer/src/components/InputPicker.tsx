import { type ReactNode, useState } from 'react';
import type { PickedInput } from '../../../preload/ipc-contract';
import { S3_PREFIX } from '../../../preload/channels';
import { bench, errorText } from '../bench';

/**
 * Choose folder… / Choose CSV…, or an s3://bucket/prefix with an optional sample size and seed, and what was
 * chosen with its image count; `children` follow on the row.
 */
export function InputPicker(props: {
  input: PickedInput | null;
  testId: string;
  onPicked: (picked: PickedInput) => void;
  onError: (message: string) => void;
  children?: ReactNode;
}) {
  const [uri, setUri] = useState('');
  const [sampleText, setSampleText] = useState('');
  const [seedText, setSeedText] = useState('7');
  const [listing, setListing] = useState(false);
  const pick = async (kind: 'folder' | 'csv') => {
    try {
      const picked = await bench().dialogs.pickInput(kind);
      if (picked) props.onPicked(picked);
    } catch (e) {
      props.onError(errorText(e));
    }
  };
  const whole = (text: string, min: number, max: number) => (/^\d+$/.test(text.trim()) && Number(text) >= min && Number(text) <= max ? Number(text) : null);
  const n = sampleText.trim() === '' ? undefined : whole(sampleText, 1, 10_000_000);
  const seed = whole(seedText, 0, 2 ** 31 - 1);
  const problem = !S3_PREFIX.test(uri.trim())
    ? 'an address such as s3://bucket/photos'
    : n === null
      ? 'the sample is a whole number of images, 1 or more (empty: every image)'
      : n !== undefined && seed === null
        ? 'the seed is a whole number from 0 to 2147483647'
        : null;
  const useS3 = async () => {
    setListing(true);
    try {
      const picked = await bench().inputs.s3Prefix({ uri: uri.trim() });
      props.onPicked(typeof n === 'number' && seed !== null ? { ...picked, sample: { n, seed } } : picked);
    } catch (e) {
      props.onError(errorText(e));
    } finally {
      setListing(false);
    }
  };
  const { input } = props;
  return (
    <>
      <div className="row">
        <button onClick={() => pick('folder')}>Choose folder…</button>
        <button onClick={() => pick('csv')}>Choose CSV…</button>
        <span className="picked" data-testid={props.testId}>
          {input ? `${input.path} — ${input.count} image${input.count === 1 ? '' : 's'}${input.sample ? `, a sample of ${Math.min(input.sample.n, input.count)} (seed ${input.sample.seed})` : ''}` : 'No input chosen'}
        </span>
        {props.children}
      </div>
      <div className="row">
        <label>
          or S3 prefix <input value={uri} placeholder="s3://bucket/prefix" onChange={(e) => setUri(e.target.value)} aria-invalid={uri && problem ? true : undefined} aria-describedby={uri && problem ? `${props.testId}-s3-error` : undefined} />
        </label>
        <label>
          Sample <input value={sampleText} placeholder="all" inputMode="numeric" size={8} onChange={(e) => setSampleText(e.target.value)} />
        </label>
        <label>
          Seed <input value={seedText} inputMode="numeric" size={8} onChange={(e) => setSeedText(e.target.value)} />
        </label>
        <button onClick={useS3} disabled={Boolean(problem) || listing}>
          {listing ? 'Listing…' : 'Use prefix'}
        </button>
        {uri && problem ? (
          <span className="field-error" id={`${props.testId}-s3-error`}>
            {problem}
          </span>
        ) : null}
      </div>
    </>
  );
}
