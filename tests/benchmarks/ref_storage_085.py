"""Time one annotation write of ipyannotator 0.8.5, the 2022 release, as its label annotator does it:
set the item's value in its `JsonLabelStorage`, then `save()`, which rewrites the whole annotations.json.

Runs in the reference venv only (see reference_venv.sh); `bench_storage.py` calls it:
    .venv-ref/bin/python -I tests/benchmarks/ref_storage_085.py --sizes 1000 10000 --writes 200 200
Prints one JSON object: {"version": "0.8.5", "results": {"<items>": [seconds of each write, ...]}}.
"""
import argparse, json, os, random, tempfile, time
from pathlib import Path

import ipyannotator
from ipyannotator.storage import JsonLabelStorage  # 0.8.5's own storage class, used as shipped

LABELS = [f'class{i}.jpg' for i in range(10)]

def time_writes(n_items:int, n_writes:int, seed:int=0) -> list[float]:
    "Seconds of each of `n_writes` writes of a label on a random item of a project of `n_items` images."
    rnd = random.Random(seed)
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)  # 0.8.5 keys its annotations by paths relative to the working directory
        try:
            Path('images').mkdir(); Path('results').mkdir()
            for i in range(n_items): open(f'images/img{i:06d}.jpg', 'wb').close()
            storage = JsonLabelStorage(Path('images'), LABELS, Path('results/annotations.json'))
            keys = sorted(storage.keys())
            for k in keys: storage[k] = [rnd.choice(LABELS)]  # every item already annotated, as in our runs
            storage.save()
            times = []
            for _ in range(n_writes):
                k = rnd.choice(keys)
                value = [rnd.choice([l for l in LABELS if [l] != storage[k]])]
                t = time.perf_counter()
                storage[k] = value
                storage.save()
                times.append(time.perf_counter() - t)
            return times
        finally: os.chdir(cwd)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[1000, 10000, 100000])
    ap.add_argument('--writes', type=int, nargs='+', default=[200, 200, 100])
    a = ap.parse_args()
    writes = (a.writes * len(a.sizes))[:len(a.sizes)] if len(a.writes) == 1 else a.writes
    res = {str(n): time_writes(n, w) for n, w in zip(a.sizes, writes)}
    print(json.dumps({'version': ipyannotator.__version__, 'results': res}))
