"""Run one crowd-kit aggregator on a benchmark data file; executed by bench_aggregate.py with .venv-crowdkit/bin/python.
Usage: crowdkit_run.py DATA.npz OUT.npz METHOD [N_ITER TOL]   (METHOD: MajorityVote, DawidSkene, OneCoinDawidSkene)
Reads int arrays task, worker, label; writes the label of each task (-1: none), time, cpu time, peak memory, iterations."""
import resource, sys, time
import numpy as np, pandas as pd
import crowdkit
from crowdkit import aggregation

data_path, out_path, method = sys.argv[1:4]
n_iter, tol = (int(sys.argv[4]), float(sys.argv[5])) if len(sys.argv) > 5 else (100, 1e-5)
d = np.load(data_path)
df = pd.DataFrame({'task': d['task'], 'worker': d['worker'], 'label': d['label']})
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cls = getattr(aggregation, method, None)
if cls is None: sys.exit(f'crowd-kit {crowdkit.__version__} has no {method}')
model = cls() if method == 'MajorityVote' else cls(n_iter=n_iter, tol=tol)
wall, cpu = time.perf_counter(), time.process_time()
labels = model.fit_predict(df)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
out = np.full(int(d['n_tasks']), -1, np.int64)
out[labels.index.to_numpy(dtype=np.int64)] = labels.to_numpy(dtype=np.int64)
np.savez(out_path, labels=out, wall=wall, cpu=cpu, n_iter=len(getattr(model, 'loss_history_', [])),
         base_rss_kb=base_rss, peak_rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, version=crowdkit.__version__)
