#!/usr/bin/python3
"""Native OpenCV + scikit-image timing of the same scoring, for the bench's comparison column."""
import json, sys, time
import cv2
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

a_path, b_path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = cv2.imread(a_path, cv2.IMREAD_COLOR)
b = cv2.imread(b_path, cv2.IMREAD_COLOR)
t0 = time.perf_counter()
for _ in range(reps):
    ga = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)
    gb = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY)
    orb = cv2.ORB_create()
    _, da = orb.detectAndCompute(ga, None)
    _, db = orb.detectAndCompute(gb, None)
    m = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    structural_similarity(ga, gb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    peak_signal_noise_ratio(a, b, data_range=255)
print(json.dumps({'pairs_per_s': reps / (time.perf_counter() - t0)}))
