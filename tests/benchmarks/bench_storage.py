"""Time one annotation write (a put of a label on a random item) in projects of 1k, 10k and 100k items
that are already annotated, for the SQLite and JSON stores, side by side with ipyannotator 0.8.5, which
rewrites its whole annotations.json at every step (run from its own venv, .venv-ref: see reference_venv.sh).

    python tests/benchmarks/bench_storage.py                 # all sizes, 2000 writes per store and size
    python tests/benchmarks/bench_storage.py --sizes 1000 --writes 500 --ref-writes 50

Prints a table: median, p99 and mean of one write, in milliseconds. The mean includes the JSON store's
compactions (one full rewrite every max(1000, items) writes); the median and p99 show a single step.
"""
import argparse, json, platform, random, sqlite3, statistics, subprocess, sys, tempfile, time
from pathlib import Path

from ipyannotator.storage import JSONStore, SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
REF_PYTHON, REF_SCRIPT = ROOT/'.venv-ref'/'bin'/'python', Path(__file__).with_name('ref_storage_085.py')
LABELS = [f'class{i}.jpg' for i in range(10)]
STORES = {'sqlite': (SQLiteStore, 'annotations.sqlite'), 'json': (JSONStore, 'annotations.json')}

def time_writes(kind:str, n_items:int, n_writes:int, seed:int=0) -> tuple[list[float], float]:
    "Seconds of each of `n_writes` puts on random items of a `kind` store pre-filled with `n_items`, and of the pre-fill."
    rnd = random.Random(seed)
    cls, name = STORES[kind]
    with tempfile.TemporaryDirectory() as d:
        store = cls(Path(d)/name, author='bench')
        current = {f'img{i:06d}.jpg': [rnd.choice(LABELS)] for i in range(n_items)}
        t = time.perf_counter(); store.put_many(current.items()); fill = time.perf_counter() - t
        items, times = list(current), []
        for k in range(n_writes + 20):  # the first 20 warm up and are not counted
            item = rnd.choice(items)
            value = [rnd.choice([l for l in LABELS if [l] != current[item]])]  # always a real change
            t = time.perf_counter()
            store.put(item, value)
            if k >= 20: times.append(time.perf_counter() - t)
            current[item] = value
        store.close()
    return times, fill

def reference(sizes, writes) -> dict[int, list[float]]|None:
    "Seconds of each write of 0.8.5 per size, run in .venv-ref; `None` when that venv is missing."
    if not REF_PYTHON.exists():
        print(f"(no reference: create it with `bash tests/benchmarks/reference_venv.sh`, then run again)\n")
        return None
    out = subprocess.run([str(REF_PYTHON), '-I', str(REF_SCRIPT), '--sizes', *map(str, sizes), '--writes', *map(str, writes)],
                         capture_output=True, text=True)
    if out.returncode: sys.exit(f"the 0.8.5 reference failed:\n{out.stderr}")
    return {int(n): t for n, t in json.loads(out.stdout)['results'].items()}

def stats(times) -> tuple[float, float, float]:
    "Median, p99 and mean of `times`, in milliseconds."
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))], statistics.fmean(ms)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[1000, 10000, 100000], help='items already annotated')
    ap.add_argument('--writes', type=int, default=2000, help='timed writes per store and size')
    ap.add_argument('--ref-writes', type=int, nargs='+', default=[200, 200, 100], help='timed writes of 0.8.5, per size')
    a = ap.parse_args()
    ref_writes = (a.ref_writes + a.ref_writes[-1:] * len(a.sizes))[:len(a.sizes)]
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.machine()}; "
          f"temporary files in {tempfile.gettempdir()}\n")
    ref = reference(a.sizes, ref_writes)
    head = f"{'items':>7} | {'store':<12} | {'writes':>6} | {'median ms':>9} | {'p99 ms':>8} | {'mean ms':>8} | {'pre-fill s':>10} | {'ours/0.8.5':>10}"
    print(head); print('-' * len(head))
    for n in a.sizes:
        ref_median = ref and stats(ref[n])[0]
        for kind in STORES:
            times, fill = time_writes(kind, n, a.writes)
            med, p99, mean = stats(times)
            ratio = f'{med / ref_median:.2g}' if ref_median else '-'
            print(f"{n:>7} | {kind:<12} | {len(times):>6} | {med:>9.3f} | {p99:>8.3f} | {mean:>8.3f} | {fill:>10.2f} | {ratio:>10}")
        if ref:
            med, p99, mean = stats(ref[n])
            print(f"{n:>7} | {'0.8.5 json':<12} | {len(ref[n]):>6} | {med:>9.3f} | {p99:>8.3f} | {mean:>8.3f} | {'':>10} | {'1':>10}")
    print("\nours/0.8.5: ratio of the medians.\n"
          "sqlite: one transaction per write (WAL, synchronous=NORMAL: survives a killed process, no fsync per write).\n"
          "json: one journal line per write, fsynced; the JSON file is rewritten atomically every max(1000, items) writes.\n"
          "0.8.5 json: JsonLabelStorage[item] = value; save(): the whole file rewritten in place, not fsynced, not atomic.")
