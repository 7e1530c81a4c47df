import { describe, expect, it } from 'vitest';
import { formatBytes } from '../main/core/results/format-bytes';

describe('formatBytes: decimal units, as storage bills count them', () => {
  it('reads kB, MB and GB as powers of 1000', () => {
    expect(formatBytes(5_727)).toBe('5.7 kB');
    expect(formatBytes(74_400)).toBe('74.4 kB');
    expect(formatBytes(1_230_000)).toBe('1.23 MB');
    expect(formatBytes(1_290_000)).toBe('1.29 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.50 GB');
  });

  it('keeps whole bytes under 1 kB and changes unit where a value would round to 1000', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(999_949)).toBe('999.9 kB');
    expect(formatBytes(999_999)).toBe('1.00 MB');
    expect(formatBytes(999_996_000)).toBe('1.00 GB');
  });

  it('says – for a size that is not known', () => {
    expect(formatBytes(null)).toBe('–');
    expect(formatBytes(undefined)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
  });
});
