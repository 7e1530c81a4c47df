import { useEffect, useState } from 'react';
import { bench } from './bench';

export const storagePriceOk = (p: number) => Number.isFinite(p) && p >= 0 && p <= 1000;
export const volumeOk = (v: number) => Number.isInteger(v) && v >= 0 && v <= 1e12;

/** The remembered cost inputs (storage $/GB-month, images stored, SageMaker $/hour) that the results screens share. */
export function useCostSettings() {
  const [price, setPrice] = useState(0.023);
  const [volume, setVolume] = useState(100_000);
  const [instancePrice, setInstancePrice] = useState<number | null>(null);
  useEffect(() => {
    bench()
      .settings.get()
      .then((s) => {
        setPrice(s.storagePricePerGbMonth);
        setVolume(s.monthlyVolumeImages);
        setInstancePrice(s.sagemakerPricePerHour ?? null);
      })
      .catch(() => {});
  }, []);
  /** Remembers whichever of price and volume is valid; an invalid field is shown, not saved. */
  const savePrefs = (p: number, v: number) => {
    const patch = { ...(storagePriceOk(p) ? { storagePricePerGbMonth: p } : {}), ...(volumeOk(v) ? { monthlyVolumeImages: v } : {}) };
    return Object.keys(patch).length ? bench().settings.set(patch).catch(() => {}) : Promise.resolve();
  };
  return { price, setPrice, volume, setVolume, instancePrice, setInstancePrice, savePrefs };
}
