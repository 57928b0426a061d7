"""Aggregation side by side with crowd-kit 1.4.2: same simulated labels, same stopping rule (n_iter, tol).

    python tests/benchmarks/bench_aggregate.py [--cases small,medium,issue] [--methods mv,ds,oc] [--no-crowdkit]

Each run happens in its own process (ours with this Python, crowd-kit with .venv-crowdkit/bin/python, created by
tests/benchmarks/crowdkit_venv.sh), so that peak memory (VmHWM, the peak RSS) belongs to that run alone.
'same %' is the share of tasks given the same label as crowd-kit; for majority vote only tasks without a tie
count, as crowd-kit breaks ties by class order and we at random. When our stopping rule ends at another iteration
count than crowd-kit's (our objective is the exact evidence lower bound; crowd-kit's counts the class prior once per
label instead of once per task), a row 'ours, ck iters' runs exactly crowd-kit's number of iterations. Prints a table; asserts nothing.
"""
import argparse, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CROWDKIT_PY = ROOT / '.venv-crowdkit' / 'bin' / 'python'
CROWDKIT_RUN = Path(__file__).with_name('crowdkit_run.py')
CASES = {  # name: tasks, classes, workers, labels per task
    'small': (2_000, 5, 30, 3),
    'medium': (20_000, 20, 100, 3),
    'issue': (125_000, 100, 200, 3),   # the case of the issue: crowd-kit took 59.6 s for 22 EM iterations
}
METHODS = {'mv': 'MajorityVote', 'ds': 'DawidSkene', 'oc': 'OneCoinDawidSkene'}


def simulate(n_tasks, n_classes, n_workers, per_task, seed=0):
    "Seeded crowd: true classes with unequal shares, workers of accuracy 0.3-0.95 whose errors follow a personal bias."
    rng = np.random.default_rng(seed)
    truth = rng.choice(n_classes, n_tasks, p=rng.dirichlet(np.full(n_classes, 5.0)))
    skill = rng.uniform(0.3, 0.95, n_workers)
    w = rng.integers(0, n_workers, (n_tasks, per_task))
    while (dup := np.flatnonzero((np.diff(np.sort(w, 1), axis=1) == 0).any(1))).size:   # distinct workers per task
        w[dup] = rng.integers(0, n_workers, (len(dup), per_task))
    w, t = w.ravel(), np.repeat(np.arange(n_tasks), per_task)
    bias = np.cumsum(rng.dirichlet(np.full(n_classes - 1, 0.3), n_workers), 1)       # how each worker errs
    wrong = np.minimum((bias[w] < rng.random(len(w))[:, None]).sum(1), n_classes - 2)
    y = np.where(rng.random(len(w)) < skill[w], truth[t], (truth[t] + 1 + wrong) % n_classes)
    order = rng.permutation(len(t))   # rows in no particular order, as in a real export
    return t[order], w[order], y[order], truth


def peak_rss_kb():
    "Peak resident memory of this process image, in kB: VmHWM (getrusage's maxrss also counts the parent's, inherited at exec)."
    try:
        for line in open('/proc/self/status'):
            if line.startswith('VmHWM:'): return int(line.split()[1])
    except OSError: pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_ours(data_path, out_path, method, n_iter, tol):
    "Child process: our aggregator on the data file, with timing and peak memory."
    from ipyannotator.aggregate import majority_vote, dawid_skene, one_coin_dawid_skene
    d = np.load(data_path)
    table = {'task': d['task'], 'worker': d['worker'], 'label': d['label']}
    base = peak_rss_kb()
    fn = {'MajorityVote': lambda: majority_vote(table),
          'DawidSkene': lambda: dawid_skene(table, n_iter=n_iter, tol=tol),
          'OneCoinDawidSkene': lambda: one_coin_dawid_skene(table, n_iter=n_iter, tol=tol)}[method]
    wall, cpu = time.perf_counter(), time.process_time()
    r = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out = np.full(int(d['n_tasks']), -1, np.int64)
    out[r.tasks.astype(np.int64)] = r.labels.astype(np.int64)
    np.savez(out_path, labels=out, wall=wall, cpu=cpu, n_iter=r.n_iter, base_rss_kb=base,
             peak_rss_kb=peak_rss_kb(), version='ours')


def measure(cmd, out_path):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode: return {'error': (p.stderr.strip().splitlines() or ['failed'])[-1]}
    with np.load(out_path) as o: return {k: o[k][()] if o[k].ndim == 0 else o[k] for k in o.files}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cases', default='small,medium,issue')
    ap.add_argument('--methods', default='mv,ds,oc')
    ap.add_argument('--n-iter', type=int, default=100)
    ap.add_argument('--tol', type=float, default=1e-5)
    ap.add_argument('--no-crowdkit', action='store_true')
    a = ap.parse_args()
    have_ck = CROWDKIT_PY.exists() and not a.no_crowdkit
    if not have_ck and not a.no_crowdkit:
        print(f'# {CROWDKIT_PY} not found: run tests/benchmarks/crowdkit_venv.sh for the side-by-side columns')
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in a.cases.split(','):
            n_t, k, n_w, per = CASES[case]
            t, w, y, truth = simulate(n_t, k, n_w, per, seed=0)
            data = Path(tmp) / f'{case}.npz'
            np.savez(data, task=t, worker=w, label=y, n_tasks=n_t)
            counts = np.bincount(t * k + y, minlength=n_t * k).reshape(n_t, k)
            untied = (counts == counts.max(1, keepdims=True)).sum(1) == 1
            for m in a.methods.split(','):
                method = METHODS[m]
                res = {}
                out = Path(tmp) / 'ours.npz'
                res['ours'] = measure([sys.executable, __file__, '--run-ours', str(data), str(out), method, str(a.n_iter), str(a.tol)], out)
                if have_ck:
                    out = Path(tmp) / 'ck.npz'
                    res['crowd-kit'] = measure([str(CROWDKIT_PY), str(CROWDKIT_RUN), str(data), str(out), method, str(a.n_iter), str(a.tol)], out)
                ck_iters = int(res.get('crowd-kit', {}).get('n_iter', 0) or 0)
                if method != 'MajorityVote' and ck_iters and 'error' not in res['ours'] and ck_iters != int(res['ours']['n_iter']):
                    out = Path(tmp) / 'ours2.npz'   # the same number of EM iterations as crowd-kit, for a like-for-like count
                    res['ours, ck iters'] = measure([sys.executable, __file__, '--run-ours', str(data), str(out), method, str(ck_iters), '-1'], out)
                ref = res.get('crowd-kit', {}).get('labels')
                for impl, r in res.items():
                    row = {'case': f'{case} ({n_t // 1000}k x {k} cl x {per}/task, {n_w} workers)', 'method': method, 'impl': impl}
                    if 'error' in r: rows.append({**row, 'error': r['error']}); continue
                    same = np.nan
                    if ref is not None and impl != 'crowd-kit':
                        mask = untied if method == 'MajorityVote' else np.ones(n_t, bool)
                        same = (r['labels'][mask] == ref[mask]).mean() * 100
                    rows.append({**row, 'wall s': r['wall'], 'cpu s': r['cpu'], 'iters': int(r['n_iter']),
                                 'peak MB': r['peak_rss_kb'] / 1024, 'extra MB': (r['peak_rss_kb'] - r['base_rss_kb']) / 1024,
                                 'accuracy %': (r['labels'] == truth).mean() * 100, 'same %': same})
                n_rows = len(res)
                if 'crowd-kit' in res and 'error' not in res['ours'] and 'error' not in res['crowd-kit']:
                    rows.append({'case': '', 'method': '', 'impl': 'speed-up',
                                 'wall s': res['crowd-kit']['wall'] / res['ours']['wall'], 'cpu s': res['crowd-kit']['cpu'] / res['ours']['cpu']})
                    n_rows += 1
                print_rows(rows[-n_rows:], header=not any(r.get('_printed') for r in rows))
                for r in rows: r['_printed'] = True
    print(f'# n_iter={a.n_iter}, tol={a.tol}; machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; '
          "'extra MB' = peak RSS minus peak RSS after imports and loading the data; 'same %' = same label as crowd-kit (mv: tasks without a tie)")


def print_rows(rows, header):
    cols = ['case', 'method', 'impl', 'wall s', 'cpu s', 'iters', 'peak MB', 'extra MB', 'accuracy %', 'same %']
    fmt = lambda v: '' if v is None or (isinstance(v, float) and np.isnan(v)) else f'{v:.3g}' if isinstance(v, float) and v < 10 else f'{v:.1f}' if isinstance(v, float) else str(v)
    width = {'case': 48, 'method': 18, 'impl': 16}
    if header: print(' | '.join(c.ljust(width.get(c, 10)) for c in cols))
    for r in rows:
        if 'error' in r: print(' | '.join(str(r[c]).ljust(width[c]) for c in ('case', 'method', 'impl')) + ' | ERROR: ' + r['error']); continue
        print(' | '.join(fmt(r.get(c)).ljust(width.get(c, 10)) for c in cols), flush=True)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--run-ours': run_ours(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
    else: main()
