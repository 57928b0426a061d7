"""A team in the app, in real Chromium, with the `ipyannotator` command serving it.

- Only members get pages: a visitor without a valid token (none, a made-up one, a free `?annotator=`) gets a plain
  "ask your team admin for your link" page and no kernel (neither a new one nor one prepared ahead); a member's
  link sets a cookie and leaves the address without the token; the next visit opens with the cookie; a member
  taken off the team is refused.
- Each role sees its pages: an annotator the items handed to them (one after another, a flag button), a reviewer
  the review queue (the flag, sent back with a comment that the annotator then sees above the item), an admin the
  progress.
- PostgreSQL stopped in the middle of a session: the page says the database is away, an answer given meanwhile is
  saved once it is back, and the page goes on.
"""
import json, time, urllib.parse, urllib.request
from conftest import server_config, team_add, team_project
from pgserver import pg_server, pg_url  # noqa: F401 (fixtures)
from ipyannotator.accounts import cookie_name

ITEM = "() => document.querySelector('.ipyannotator code')?.innerText"
WORK = '.ipyannotator-work'


def token_of(link: str) -> str: return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)['token'][0]


def get(url: str, cookie: str|None = None) -> tuple[int, str]:
    "(status, body) of a GET, with a Cookie header if given; errors are answers too."
    req = urllib.request.Request(url, headers={'Cookie': cookie} if cookie else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=60) as r: return r.status, r.read().decode()
    except urllib.error.HTTPError as e: return e.code, e.read().decode()


def open_member(page, served, link: str):
    "Open a member's link (on the server `served`) and wait for their page."
    page.goto(served.url + '?token=' + token_of(link))
    page.wait_for_selector('.ipyannotator-member')


def label(page, key: str) -> str:
    "Press `key` over the annotator of an annotate page; the item it labelled."
    page.wait_for_selector('.ipyannotator canvas', state='attached')
    item = page.evaluate(ITEM)
    page.hover('.ipyannotator canvas')
    page.keyboard.press(key)
    return item


def next_item(page, item: str):
    "Press → and wait for the item after `item`."
    page.keyboard.press('ArrowRight')
    try: page.wait_for_function(f"(it) => ({ITEM})() !== it", arg=item, timeout=30_000)
    except Exception:
        page.screenshot(path='/tmp/next_item_fail.png'); print(page.inner_text('body')[-3000:]); raise


def stored(store, item, author, timeout=20):
    end = time.time() + timeout
    while (v := store.get(item, author=author)) is None and time.time() < end: time.sleep(0.2)
    return v


def test_members_only_and_the_pages_of_each_role(app_server, browser, tmp_path):
    from ipyannotator.storage import SQLiteStore
    from ipyannotator.mltypes import default_task_name
    project = team_project(tmp_path, 6)
    links = {name: team_add(project, name, '--role', role) for name, role in
             [('ada', 'annotator'), ('<rita>', 'reviewer'), ('root', 'admin')]}
    s = app_server('serve', str(project), '--labels', 'cat,dog', '--overlap', '2')
    assert 'a team of 3; work pool: 6 items, 6 with room' in s.log()

    for query in ['', '?annotator=ada', '?token=' + 'x' * 32, '?token=' + token_of(links['ada'])[:-2]]:
        status, body = get(s.url + query)
        assert status == 403 and 'Ask your team admin for your link' in body, (query, status, body[:300])
    assert 'ipyannotator: a page from' not in s.log(), 'a visitor without a valid token got a kernel'
    assert s.kernels() <= 2, 'a visitor without a valid token started a kernel'   # those prepared ahead only

    ada = browser.new_page()
    open_member(ada, s, links['ada'])
    assert 'token' not in ada.url, 'the token stayed in the address'
    assert 'signed in as ada (annotator)' in ada.inner_text('.ipyannotator-member')
    first = label(ada, '1')
    next_item(ada, first)
    second = label(ada, '2')
    ada.fill(f'{WORK} input[placeholder="what is wrong with this item?"]', 'two <b>shapes</b>?')
    ada.click(f'{WORK} button:has-text("flag for review")')
    ada.wait_for_selector(f'{WORK} :text("flagged {second} for review")')
    task = default_task_name('labels', ['cat', 'dog'])
    with SQLiteStore(project/'results'/'annotations.sqlite', task=task) as store:
        assert (stored(store, first, 'ada'), stored(store, second, 'ada')) == (['cat'], ['dog'])

    again = browser.new_page()   # the cookie of the first visit opens the page again
    again.goto(s.url)
    again.wait_for_selector('.ipyannotator-member')
    assert 'signed in as ada (annotator)' in again.inner_text('.ipyannotator-member')
    again.close()

    rita = browser.new_page()
    open_member(rita, s, links['<rita>'])
    assert 'signed in as <rita> (reviewer)' in rita.inner_text('.ipyannotator-member')
    waiting = rita.locator('.ipyannotator-review select[size]')   # the list of the items waiting for review
    waiting.wait_for()
    options = waiting.locator('option').all_inner_texts()   # a Select shows its spaces as no-break spaces
    shown = [t for t in options if t.replace('\xa0', ' ').startswith(second + ' ')]
    assert [t.replace('\xa0', ' ') for t in shown] == [f'{second} · flagged · 0% differ'], options
    waiting.select_option(label=shown[0])
    rita.wait_for_selector('.ipyannotator-review :text("ada: two <b>shapes</b>?")')
    rita.fill('.ipyannotator-review input[placeholder^="comment"]', 'count <i>again</i>')
    rita.click('.ipyannotator-review button:has-text("send back")')
    rita.wait_for_selector(f'.ipyannotator-review :text("sent {second} back to ada")')
    assert rita.locator('.pwn, b:has-text("shapes"), i:has-text("again")').count() == 0, 'markup reached the page'

    next_item(ada, second)
    third = label(ada, '1')         # ada answers the item held; the item sent back comes next, with the comment
    assert third not in (first, second)
    next_item(ada, third)
    assert ada.evaluate(ITEM) == second
    assert ada.inner_text('.ipyannotator-returned') == 'Sent back by a reviewer: count <i>again</i>'

    root = browser.new_page()
    open_member(root, s, links['root'])
    root.wait_for_selector('.ipyannotator-progress')
    text = root.inner_text('.ipyannotator-progress')
    assert '6 items · 6 with room · 0 held now · 2 answers · 1 sent back · 0 skipped' in text, text
    assert '<rita> (reviewer), ada (annotator), root (admin)' in text
    # ada's two pages (one closed: its kernel ends at the idle timeout), rita's, root's
    assert s.log().count('ipyannotator: a page from') == 4
    for p in (ada, rita, root): p.close()

    from subprocess import run
    from conftest import COMMAND
    assert run([COMMAND, 'team', 'remove', 'ada', str(project)], capture_output=True).returncode == 0
    cookie = f'{cookie_name(project)}={token_of(links["ada"])}'
    status, body = get(s.url, cookie)
    assert status == 403 and 'Ask your team admin' in body, 'a member taken off the team still got a page'


def test_the_page_says_when_the_database_is_away_and_saves_once_it_is_back(app_server, browser_page, pg_server,
                                                                            pg_url, tmp_path):
    from ipyannotator.postgres import PostgresStore
    from ipyannotator.mltypes import default_task_name
    project = team_project(tmp_path, 8)
    link = team_add(project, 'ada', '--db', pg_url)
    s = app_server('serve', str(project), '--labels', 'cat,dog', '--db', pg_url)
    page = browser_page
    open_member(page, s, link)
    first = label(page, '1')
    next_item(page, first)

    pg_server.stop()
    try:
        t0 = time.monotonic()
        page.wait_for_selector('.ipyannotator-db-away', timeout=20_000)
        said_away = time.monotonic() - t0
        assert 'The database is away' in page.inner_text('.ipyannotator-db-away')
        second = label(page, '2')   # the kernel waits for the database to save it
        time.sleep(2)
    finally: pg_server.start()
    t1 = time.monotonic()
    page.wait_for_selector('.ipyannotator-db-away', state='detached', timeout=30_000)
    back = time.monotonic() - t1
    with PostgresStore(pg_url, task=default_task_name('labels', ['cat', 'dog'])) as store:
        assert stored(store, first, 'ada') == ['cat']
        assert stored(store, second, 'ada') == ['dog'], 'the answer given while the database was away was lost'
        next_item(page, second)    # the page goes on: the next item was leased once the database was back
        third = label(page, '1')
        assert stored(store, third, 'ada') == ['cat']
    assert 'not saved' not in page.inner_text(WORK)
    print(f'\nthe page said the database was away {said_away:.1f} s after it stopped; '
          f'it saw it back {back:.1f} s after it started')


# --- 16 simulated annotators and 2 in Chromium, on two app servers over one database, restarted mid-session ---

SIMULATED = r'''
import json, os, sys, threading, time, traceback, zlib
os.environ['IPYANNOTATOR_APP_CONFIG'] = sys.argv[1]      # the config the app server's kernels read
from ipyannotator.app import member_app
from ipyannotator.annotators.base import press
names, go, lock = sys.argv[2].split(','), sys.argv[3], threading.Lock()
def say(**kw):
    with lock: print(json.dumps(kw), flush=True)
def annotator(name):
    try:
        page = member_app(name)                             # what the kernel of the member's page runs
        work = page.built['annotate']
        for _ in range(500):
            if work.current is None: break
            item = work.work.item
            key = '1' if zlib.crc32(f'{name}/{item}'.encode()) % 3 else '2'
            press(work.work, key)                           # as the browser sends a key
            if work.work.value == [('cat', 'dog')[key == '2']] and 'not saved' not in work.work.status.value:
                say(ack=[item, name, work.work.value])      # the page shows it saved: acknowledged
            press(work.work, 'ArrowRight')
        work.close()
    except Exception: say(error=traceback.format_exc())
say(ready=True)
while not os.path.exists(go): time.sleep(0.01)
threads = [threading.Thread(target=annotator, args=(n,)) for n in names]
for t in threads: t.start()
for t in threads: t.join()
say(done=True)
'''


def test_sixteen_annotators_on_two_app_servers_and_a_database_restart(app_server, browser, pg_server, pg_url,
                                                                        tmp_path):
    import subprocess, sys, threading
    from collections import Counter
    from ipyannotator.accounts import open_team
    from ipyannotator.assign import Assigner
    from ipyannotator.postgres import PostgresStore
    from ipyannotator.mltypes import default_task_name
    n_items, k = 60, 3
    project = team_project(tmp_path, n_items)
    with open_team(project, pg_url) as team:
        sims = [f's{i:02d}' for i in range(16)]
        tokens = {name: team.add(name) for name in [*sims, 'b1', 'b2']}
    servers = [app_server('serve', str(project), '--labels', 'cat,dog', '--db', pg_url, '--overlap', str(k),
                          '--lease', '120') for _ in range(2)]
    assert all('a team of 18; work pool: 60 items' in s.log() for s in servers)

    go, lines = tmp_path/'go', []
    procs = [subprocess.Popen([sys.executable, '-c', SIMULATED, str(server_config(s)), ','.join(names), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s, names in zip(servers, (sims[:8], sims[8:]))]
    readers = [threading.Thread(target=lambda p=p: lines.extend(json.loads(l) for l in p.stdout), daemon=True)
               for p in procs]
    for r in readers: r.start()
    end = time.time() + 120
    while sum('ready' in l for l in lines) < 2 and time.time() < end: time.sleep(0.1)

    pages, browser_acked = [], []
    for s, name in zip(servers, ('b1', 'b2')):   # one member in Chromium on each server (one cookie jar: in turn)
        page = browser.new_page()
        open_member(page, s, f'?token={tokens[name]}')
        pages.append((page, name))
    def label_in_browser(page, name, key, go_on=True):
        "Label the item shown, wait until the page says it is saved, and go on to the next one."
        item = label(page, key)
        browser_acked.append((item, name, ['cat'] if key == '1' else ['dog']))
        page.wait_for_selector(f'{WORK} :text("saved; ")', timeout=60_000)
        if go_on: next_item(page, item)
        return item

    go.touch()
    for page, name in pages: label_in_browser(page, name, '1')
    acked = lambda: [tuple(l['ack'][:2]) for l in lines if 'ack' in l]
    end = time.time() + 60
    while len(acked()) < 40 and time.time() < end: time.sleep(0.05)
    assert len(acked()) >= 40, lines[-5:]
    pg_server.stop()                       # mid-session: the database goes away for a few seconds
    try:
        pages[0][0].wait_for_selector('.ipyannotator-db-away', timeout=20_000)
        during = len(acked())
        page, name = pages[1]
        item = label(page, '2')            # an answer given while the database is away
        time.sleep(1.0)
    finally: pg_server.start()
    browser_acked.append((item, name, ['dog']))
    page.wait_for_selector(f'{WORK} :text("saved; ")', timeout=60_000)
    pages[0][0].wait_for_selector('.ipyannotator-db-away', state='detached', timeout=30_000)
    for page, name in pages:   # and the pages go on (unless the simulated annotators took every item meanwhile)
        if 'Nothing is left' not in page.inner_text('.ipyannotator-work-bar'):
            if page.evaluate(ITEM) in [i for i, n, _ in browser_acked if n == name]: next_item(page, page.evaluate(ITEM))
            label_in_browser(page, name, '1', go_on=False)

    for p in procs:
        p.wait(240)
        assert p.returncode == 0, p.stderr.read()[-3000:]
    for r in readers: r.join(10)
    assert not [l['error'] for l in lines if 'error' in l], [l['error'] for l in lines if 'error' in l][0]
    sim_acked = [tuple(l['ack']) for l in lines if 'ack' in l]
    assert len(sim_acked) > during, 'the simulated annotators did not go on after the restart'

    with PostgresStore(pg_url, task=default_task_name('labels', ['cat', 'dog'])) as store, \
            Assigner(store, overlap=k) as assigner:
        got = {(r.item, r.author): r.value for r in store.records()}
        for item, name, value in sim_acked + browser_acked:
            assert got.get((item, name)) == value, f'acknowledged answer lost: {item} by {name}'
        per_item = Counter(item for item, _ in got)
        assert max(per_item.values()) <= k, f'an item got more than {k} answers: {per_item.most_common(3)}'
        pairs = [(item, name) for item, name, _ in sim_acked + browser_acked]
        assert len(set(pairs)) == len(pairs), 'an annotator was given an item twice'
        status = assigner.status()
        assert status['done'] == len(got) and status['open'] == 0, status
        assert status['done'] + status['held'] == n_items * k, status   # the browser pages may hold one each
        assert {n for _, n in got} >= set(sims) | {'b1', 'b2'}
    print(f'\n{len(sim_acked)} answers by 16 simulated annotators and {len(browser_acked)} in Chromium on two app '
          f'servers; {during} acknowledged before the database stopped; pool at the end: {status}')
