"""Run one crowd-kit aggregator on a benchmark data file; executed by bench_aggregate.py with .venv-crowdkit/bin/python.
Usage: crowdkit_run.py DATA.npz OUT.npz METHOD [N_ITER TOL]   (METHOD: MajorityVote, DawidSkene, OneCoinDawidSkene)
Reads int arrays task, worker, label; writes the label of each task (-1: none), time, cpu time, peak memory (VmHWM), iterations."""
import resource, sys, time
import numpy as np, pandas as pd
import crowdkit
from crowdkit import aggregation

def peak_rss_kb():
    "Peak resident memory of this process image (VmHWM); getrusage's maxrss also counts the parent's, inherited at exec."
    try:
        for line in open('/proc/self/status'):
            if line.startswith('VmHWM:'): return int(line.split()[1])
    except OSError: pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

data_path, out_path, method = sys.argv[1:4]
n_iter, tol = (int(sys.argv[4]), float(sys.argv[5])) if len(sys.argv) > 5 else (100, 1e-5)
d = np.load(data_path)
df = pd.DataFrame({'task': d['task'], 'worker': d['worker'], 'label': d['label']})
base_rss = peak_rss_kb()
cls = getattr(aggregation, method, None)
if cls is None: sys.exit(f'crowd-kit {crowdkit.__version__} has no {method}')
model = cls() if method == 'MajorityVote' else cls(n_iter=n_iter, tol=tol)
wall, cpu = time.perf_counter(), time.process_time()
labels = model.fit_predict(df)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
out = np.full(int(d['n_tasks']), -1, np.int64)
out[labels.index.to_numpy(dtype=np.int64)] = labels.to_numpy(dtype=np.int64)
np.savez(out_path, labels=out, wall=wall, cpu=cpu, n_iter=len(getattr(model, 'loss_history_', [])),
         base_rss_kb=base_rss, peak_rss_kb=peak_rss_kb(), version=crowdkit.__version__)
