"""Pages come from kernels prepared ahead (issue 14), in real Chromium: the kernel of a new page was started before
the page was asked for, and the server's log says each page got a prepared kernel. The visitor's request still
decides the page: `?annotator=` without a team; on a team's server the member the token names, never a name the
visitor sends (the header the server names the member in is dropped from the visitor's request)."""
import re, time, urllib.parse, urllib.request
from conftest import descendants, team_add, team_project
from ipyannotator.app_server import MEMBER_HEADER

KERNEL_ID = re.compile(r'kernel-([0-9a-f-]{36})\.json')
PAGE_KERNEL = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
PREPARED = 'ipyannotator: a page from the prepared kernel'


def kernel_ids(served) -> set[str]:
    "The ids of the kernels the server runs now (from their connection files' names)."
    return {m.group(1) for _, cmd in descendants(served.process.pid) if (m := KERNEL_ID.search(cmd))}


def wait_prepared(served, n: int = 2, timeout: float = 90):
    "Wait until the server has prepared `n` kernels beside its pages (Voila says its pool is filled)."
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if f'is filled with {n} kernel(s)' in served.log(): return
        time.sleep(0.2)
    raise AssertionError(f'no pool of {n} prepared kernels after {timeout} s:\n{served.log()[-3000:]}')


def test_a_new_page_gets_a_kernel_prepared_before_it(app_server, browser, tmp_path):
    s = app_server('demo', '--path', str(tmp_path/'demo'), '--annotator', 'tester')
    wait_prepared(s)
    for query, name in [('', 'tester'), ('?annotator=' + urllib.parse.quote('Zoë <b>'), 'Zoë <b>'),
                        ('?template=lab&theme=dark', 'tester')]:   # the app's own look: still a prepared kernel
        before = kernel_ids(s)                      # the kernels running before the page is asked for
        page = browser.new_page()
        page.goto(s.url + query)
        page.wait_for_selector('.ipyannotator canvas', state='attached')
        kernel = page.evaluate(PAGE_KERNEL)
        assert kernel in before, f'the page got kernel {kernel}, started after it was asked for'
        assert f'{PREPARED} {kernel}' in s.log()
        assert f'annotating as {name}' in page.inner_text('.ipyannotator-app')
        time.sleep(3)                               # the pool fills again (a second later)
    assert s.log().count(PREPARED) == 3 and 'a page from the new kernel' not in s.log()


def test_a_member_page_from_a_prepared_kernel_is_the_member_the_token_names(app_server, browser, tmp_path):
    project = team_project(tmp_path, 4)
    ada = team_add(project, 'ada')
    team_add(project, 'root', '--role', 'admin')
    s = app_server('serve', str(project), '--labels', 'cat,dog')
    wait_prepared(s)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:   # a visitor naming a member themselves, without a token
        opener.open(urllib.request.Request(s.url, headers={MEMBER_HEADER: 'root'}), timeout=60)
        raise AssertionError('a visitor without a token got a page')
    except urllib.error.HTTPError as e: assert e.code == 403 and 'Ask your team admin' in e.read().decode()
    assert PREPARED not in s.log()

    before = kernel_ids(s)
    page = browser.new_page()
    page.set_extra_http_headers({MEMBER_HEADER: 'root'})   # ada's link, and a header naming the admin
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(ada).query)['token'][0]
    page.goto(s.url + '?token=' + token)
    page.wait_for_selector('.ipyannotator-member')
    assert 'signed in as ada (annotator)' in page.inner_text('.ipyannotator-member')
    kernel = page.evaluate(PAGE_KERNEL)
    assert kernel in before and f'{PREPARED} {kernel}' in s.log()
    assert s.log().count(PREPARED) == 1
