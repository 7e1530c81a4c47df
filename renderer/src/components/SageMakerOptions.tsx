import { useEffect, useState } from 'react';
import type { RunRequest } from '../../../preload/ipc-contract';
import { bench } from '../bench';

export type SageMakerFields = Pick<RunRequest, 'sagemakerTile' | 'sagemakerConcurrency' | 'sagemakerAsyncInput' | 'sagemakerPricePerHour'>;

const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/**
 * How the SageMaker provider sends its requests: tile size, requests in flight, Asynchronous Inference
 * through an S3 prefix, and the endpoint's price (summary.json's cost per 1,000 retrievals).
 */
export function SageMakerOptions({ onChange }: { onChange: (f: SageMakerFields, ok: boolean) => void }) {
  const [tile, setTile] = useState('192');
  const [inFlight, setInFlight] = useState('4');
  const [async, setAsync] = useState(false);
  const [prefix, setPrefix] = useState('');
  const [price, setPrice] = useState('');

  useEffect(() => {
    bench()
      .settings.get()
      .then((s) => s.sagemakerPricePerHour !== undefined && setPrice(String(s.sagemakerPricePerHour)))
      .catch(() => {});
  }, []);

  const whole = (text: string, min: number, max: number) => (/^\d+$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined);
  const tilePx = whole(tile, 0, 4096);
  const tileProblem = tilePx === undefined || (tilePx > 0 && tilePx < 64) ? '0 (whole images) or 64–4096 px' : null;
  const requests = whole(inFlight, 1, 256);
  const prefixProblem = async && !S3_PREFIX.test(prefix.trim()) ? 'an s3://bucket/prefix/ location' : null;
  const dollars = price.trim() === '' ? undefined : Number(price);
  const priceProblem = dollars !== undefined && !(Number.isFinite(dollars) && dollars >= 0 && dollars <= 1000) ? '$0–1000 an hour' : null;

  // the results screen prices the endpoint with the same setting
  useEffect(() => {
    if (dollars !== undefined && !priceProblem) void bench().settings.set({ sagemakerPricePerHour: dollars }).catch(() => {});
  }, [dollars, priceProblem]);

  useEffect(() => {
    onChange({
      ...(tilePx !== undefined && !tileProblem ? { sagemakerTile: tilePx } : {}),
      ...(requests !== undefined ? { sagemakerConcurrency: requests } : {}),
      ...(async && !prefixProblem ? { sagemakerAsyncInput: prefix.trim() } : {}),
      ...(dollars !== undefined && !priceProblem ? { sagemakerPricePerHour: dollars } : {}),
    }, !tileProblem && requests !== undefined && !prefixProblem && !priceProblem);
  }, [tilePx, tileProblem, requests, async, prefix, prefixProblem, dollars, priceProblem]);

  return (
    <div className="sagemaker-options" data-testid="sagemaker-options">
      <div className="row">
        <label title="The endpoint runs out of GPU memory on inputs much past 200 px: larger images go as tiles, cross-faded">
          Tile size (px) <input value={tile} onChange={(e) => setTile(e.target.value)} inputMode="numeric" size={5} aria-invalid={tileProblem ? true : undefined} />
        </label>
        {tileProblem ? <span className="field-error" role="alert">{tileProblem}</span> : null}
        <label title="Requests at once across all tiles and images; the oldest image's go first">
          Requests in flight <input value={inFlight} onChange={(e) => setInFlight(e.target.value)} inputMode="numeric" size={4} aria-invalid={requests === undefined ? true : undefined} />
        </label>
        {requests === undefined ? <span className="field-error" role="alert">1–256</span> : null}
        <label title="The endpoint's price per instance-hour: the results give the cost per 1,000 retrievals">
          Price ($/hour) <input value={price} onChange={(e) => setPrice(e.target.value)} inputMode="decimal" size={6} placeholder="e.g. 3.83" aria-invalid={priceProblem ? true : undefined} />
        </label>
        {priceProblem ? <span className="field-error" role="alert">{priceProblem}</span> : null}
      </div>
      <div className="row">
        <label title="For endpoints deployed with an AsyncInferenceConfig: requests go through S3 (up to 1 GB, up to an hour each)">
          <input type="checkbox" checked={async} onChange={(e) => setAsync(e.target.checked)} data-testid="sagemaker-async" /> Asynchronous inference
        </label>
        {async ? (
          <label>
            S3 input prefix <input value={prefix} onChange={(e) => setPrefix(e.target.value)} placeholder="s3://my-bucket/async-requests/" size={40} aria-invalid={prefixProblem ? true : undefined} />
          </label>
        ) : null}
        {prefixProblem ? <span className="field-error" role="alert">{prefixProblem}</span> : null}
      </div>
    </div>
  );
}
