"""Time of `import ipyannotator.annotator` in a fresh interpreter, side by side with ipyannotator 0.8.5 (its own
venv, .venv-ref: see reference_venv.sh). Prints median and min over repeated runs, minus the interpreter's own start.

    python tests/benchmarks/bench_import.py [--runs 7]
"""
import argparse, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REF_PYTHON = ROOT/'.venv-ref'/'bin'/'python'


def timed(python, code: str, runs: int, isolated: bool = False) -> list[float]:
    "Seconds of `python -c code` per run."
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(python), *(['-I'] if isolated else []), '-c', code], check=True, cwd='/')
        out.append(time.perf_counter() - t)
    return out


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=7)
    a = ap.parse_args()
    rows = [('ours', sys.executable, False)]
    if REF_PYTHON.exists(): rows.append(('0.8.5', REF_PYTHON, True))
    else: print('(no 0.8.5 reference: bash tests/benchmarks/reference_venv.sh)')
    print(f"{'who':<6} | {'import median s':>15} | {'min s':>6} | {'python alone s':>14}")
    print('-' * 50)
    for who, python, iso in rows:
        base = statistics.median(timed(python, 'pass', a.runs, iso))
        t = timed(python, 'import ipyannotator.annotator', a.runs, iso)
        print(f"{who:<6} | {statistics.median(t) - base:>15.2f} | {min(t) - base:>6.2f} | {base:>14.2f}")
