"""A team at the data layer: write latency and answers per second with 1, 4 and 16 annotators working at once,
SQLite (one machine, one file) and PostgreSQL (a real local server, started by tests/pgserver.py), side by side.

    python tests/benchmarks/bench_team.py                 # about a minute on 2 cores
    python tests/benchmarks/bench_team.py --answers 400   # more answers per run

Each annotator is a process of its own, as each visitor of the Voila app has a kernel, with its own store and
assigner. An *answer* is what the app does per item: `next_for` (lease the next item), `put` (save the value),
`done` (close the lease). Columns: latency of `put` alone and of the whole answer (p50 / p99, milliseconds),
and answers per second of the whole team (wall time of the run). Prints a table; asserts nothing.

Durability differs, and the table says so: SQLite runs in WAL mode with synchronous=NORMAL (a commit survives
a killed process, not a power cut), PostgreSQL with its defaults (fsync and synchronous_commit on: a commit
survives a power cut). Both run on this machine; PostgreSQL over the network adds the round trip per query.
"""
import argparse, multiprocessing as mp, statistics, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT/'tests')]


def _open(kind, where):
    from ipyannotator.storage import SQLiteStore
    from ipyannotator.postgres import PostgresStore
    return SQLiteStore(where, task='labels') if kind == 'sqlite' else PostgresStore(where, task='labels')


def _annotator(kind, where, name, n, ready, start, out):
    from ipyannotator.assign import Assigner
    store = _open(kind, where)
    a = Assigner(store, overlap=1)
    puts, answers = [], []
    ready.put(name)
    start.wait()
    for _ in range(n):
        t0 = time.perf_counter()
        item = a.next_for(name)
        if item is None: break
        t1 = time.perf_counter()
        store.put(item, ['cat'], author=name)
        t2 = time.perf_counter()
        a.done(item, name)
        t3 = time.perf_counter()
        puts.append(t2 - t1); answers.append(t3 - t0)
    out.put((puts, answers))
    a.close(); store.close()


def run(kind, where, n_annotators, per_annotator):
    "Run one configuration; (put latencies, answer latencies, wall seconds)."
    from ipyannotator.assign import Assigner
    with _open(kind, where) as store, Assigner(store, overlap=1) as a:
        a.add_items(f'{kind}-{n_annotators}/img{i:06d}.jpg' for i in range(n_annotators * per_annotator))
    ctx = mp.get_context('spawn')
    ready, start, out = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_annotator, args=(kind, where, f'a{i}', per_annotator, ready, start, out)) for i in range(n_annotators)]
    for p in procs: p.start()
    for _ in procs: ready.get(timeout=300)  # every process imported and connected
    t = time.perf_counter(); start.set()
    results = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t
    for p in procs: p.join()
    puts = [x for r in results for x in r[0]]
    answers = [x for r in results for x in r[1]]
    return puts, answers, wall


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))] * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--answers', type=int, default=240, help='answers per run, shared among the annotators')
    ap.add_argument('--annotators', default='1,4,16')
    a = ap.parse_args()
    import pgserver
    if (why := pgserver.missing()): sys.exit(why)
    server = pgserver.server()
    tmp = Path(tempfile.mkdtemp(prefix='bench-team-'))
    levels = [int(x) for x in a.annotators.split(',')]
    print(f"{a.answers} answers per run (next_for + put + done), annotators as processes; "
          f"{mp.cpu_count()} CPUs; PostgreSQL {server.bin.parts[-2]} on 127.0.0.1\n")
    head = (f"{'store':<11}{'annotators':>11}{'put p50':>9}{'put p99':>9}{'answer p50':>12}{'answer p99':>12}"
            f"{'answers/s':>11}   durability")
    print(head); print('-' * len(head))
    for n in levels:
        per = max(1, a.answers // n)
        for kind in ('sqlite', 'postgres'):
            where = tmp/f'team-{n}.sqlite' if kind == 'sqlite' else server.url() + f'?schema=bench_{n}_{int(time.time())}'
            puts, answers, wall = run(kind, where, n, per)
            durable = 'process crash (WAL, synchronous=NORMAL)' if kind == 'sqlite' else 'power cut (fsync, synchronous_commit)'
            print(f"{kind:<11}{n:>11}{pct(puts, 50):>8.1f} {pct(puts, 99):>8.1f} {pct(answers, 50):>11.1f} {pct(answers, 99):>11.1f} "
                  f"{len(answers) / wall:>10.0f}   {durable}", flush=True)
    print("\nlatencies in milliseconds; answers/s: the whole team, wall time of the run")


if __name__ == '__main__':
    main()
