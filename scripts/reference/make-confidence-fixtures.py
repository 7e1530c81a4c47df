#!/usr/bin/python3
"""Makes test/fixtures/confidence/reference.json: intervals from scipy for confidence.ts to be checked against.

Run with Debian's python3-scipy (`/usr/bin/python3`); the tests only read the JSON this writes. The data
sets are drawn here (numpy, fixed seed) and written with their intervals, so both sides see the same numbers:
- scipy.stats.bootstrap(method='percentile') of the mean and of the 10th percentile (nearest rank, numpy's
  'inverted_cdf', as targets take it), 20,000 resamples (its RNG differs from ours, so the test allows a tolerance);
- the exact binomial (Clopper–Pearson) interval, scipy.stats.binomtest(k, n).proportion_ci(method='exact');
- numpy's percentile of each data set, linear (numpy's default) and nearest-rank ('inverted_cdf').
"""
import json, os
import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'confidence', 'reference.json')
rng = np.random.default_rng(20261202)

sets = {
    # SSIM-like: bounded, skewed to the left
    'ssim_skewed_25': (1 - rng.gamma(2.0, 0.02, 25)).round(6),
    'normal_12': rng.normal(0.5, 0.1, 12).round(6),
    'differences_40': rng.normal(0.004, 0.02, 40).round(6),
    'heavy_tail_60': (70 + 8 * rng.standard_t(3, 60)).round(4),
}
out = {'scipy': scipy.__version__, 'numpy': np.__version__, 'bootstrap': [], 'binomial': [], 'percentile': []}
for name, xs in sets.items():
    for stat, fn in (('mean', np.mean), ('p10', lambda a, axis: np.percentile(a, 10, axis=axis, method='inverted_cdf'))):
        res = stats.bootstrap((xs,), fn, method='percentile', n_resamples=20000, confidence_level=0.95, random_state=np.random.default_rng(7))
        out['bootstrap'].append({'name': name, 'statistic': stat, 'data': xs.tolist(), 'low': res.confidence_interval.low, 'high': res.confidence_interval.high, 'standard_error': res.standard_error})
    for p in (5, 10, 25, 50):
        out['percentile'].append({'name': name, 'p': p, 'value': float(np.percentile(xs, p)), 'nearest_rank': float(np.percentile(xs, p, method='inverted_cdf'))})
for k, n in ((0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (14, 25), (25, 25), (1, 1000), (500, 1000), (997, 1000)):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method='exact')
    out['binomial'].append({'k': k, 'n': n, 'low': ci.low, 'high': ci.high})
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
print(OUT)
