#!/usr/bin/python3
"""
Debian's PyTorch running RRDBNet (sr_archs.py, Real-ESRGAN x4plus size by default) on a whole image at once,
as chaiNNer's CPU path does: the bench's comparison for imported ESRGANs. Prints the best forward's seconds.
Usage: bench-torch-rrdb.py WIDTH HEIGHT THREADS [BLOCKS] [REPS]   (THREADS 0: torch's default)
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sr_archs import RRDBNet  # noqa: E402

w, h, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
blocks = int(sys.argv[4]) if len(sys.argv) > 4 else 23
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 2
if threads > 0:
    torch.set_num_threads(threads)
threads = torch.get_num_threads()
torch.manual_seed(0)
net = RRDBNet(3, 3, scale=4, num_feat=64, num_block=blocks, num_grow_ch=32).eval()
x = torch.rand(1, 3, h, w)
times = []
cpu = []
with torch.no_grad():
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        y = net(x)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
assert tuple(y.shape) == (1, 3, 4 * h, 4 * w)
print(json.dumps({"seconds": min(times), "cpu_seconds": min(cpu), "torch": torch.__version__, "threads": threads, "mkldnn": torch.backends.mkldnn.is_available()}))
