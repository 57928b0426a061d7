"""The app in real Chromium, as an attacker and as an unlucky user would use it.

- Markup in every user-controlled string (the project folder's name, `?annotator=`, class labels and tags, a grid's
  question, image file names, a video's folder name, a text's id and fields, a skeleton's name and keypoint names) is
  shown as text in every registered task and every phase, and never runs: each payload is an `<img src=x onerror=...>`
  that would set a `window.__pwned_*` flag and add an element of class `pwn`.
- A project that cannot open shows a plain "Something went wrong" message, never a traceback or a server path; the
  traceback is in the server's log.
- A name in `?annotator=` that is blank or too long is refused on the page.
"""
import json, time, urllib.parse
from pathlib import Path
import pytest
from PIL import Image, ImageDraw
from ipyannotator.annotator import registered_tasks


def evil(tag: str) -> str:
    "Markup that runs script if it reaches the page as HTML, from any text or attribute context; no ',' nor '/'."
    return f'\'"><img src=x class=pwn onerror=__pwned_{tag}=1>'


# What ran: the flags the payloads set, and the elements they made.
PWNED = """() => ({flags: Object.keys(window).filter(k => k.startsWith('__pwned')),
                   elements: Array.from(document.querySelectorAll('.pwn, img[src="x"]')).map(e => e.outerHTML)})"""
PHASES = ['explore', 'create', 'improve']
APP = '.widget-vbox:has(> .widget-toggle-buttons :text-is("improve"))'   # the app: the box holding the phase buttons
ACTIVE = "() => document.querySelector('.widget-toggle-buttons .mod-active')?.innerText"
# The page shows an error: the app's message, or any error output (Voila's, with or without a traceback).
SAYS_ERROR = "() => document.querySelector('.ipyannotator-error, .jp-OutputArea-output[data-mime-type*=err]')"


def picture(path: Path, k: int):
    im = Image.new('RGB', (160, 120), (30 + 60 * k, 90, 160))
    ImageDraw.Draw(im).rectangle([20 + 10 * k, 20, 80 + 10 * k, 70], fill=(240, 200, 40))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)


def hostile_project(root: Path, task: str) -> tuple[Path, list[str], list[str]]:
    """A project for `task` whose folder, file (or video folder) names, classes (or question) and ground truth hold
    markup; returns it, the command's task options, and the hostile strings the page must show as text."""
    project, ok, bad = root/f'proj {evil("project")}', 'cat', evil('label')
    if task == 'text':   # records whose id and fields hold markup, and tags (with an alias) that do
        project.mkdir(parents=True)
        records = [{'id': i, 'title': evil('title'), 'description': f'a text {evil("text")}'}
                   for i in ['a', evil('file'), 'c']]
        (project/'texts.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in records))
        tags = [{'tag': ok, 'aliases': [], 'parents': []}, {'tag': bad, 'aliases': [evil('alias')], 'parents': [ok]}]
        (project/'tags.json').write_text(json.dumps(tags))
        (project/'annotations.json').write_text(json.dumps({r['id']: [bad] for r in records[1:]}))
        options = ['--task', 'text', '--texts', 'texts.jsonl', '--taxonomy', 'tags.json',
                   '--fields', 'title,description']
        return project, options, [evil('project'), evil('annotator'), evil('file'), evil('title'), evil('text'), bad]
    box = lambda cls, **id: {'bbox': [{'x': 20, 'y': 20, 'width': 60, 'height': 50, **id}], 'labels': [[cls]]}
    if task == 'video': items = [f'{v}/frame_{k:04d}.png' for v in ('clip', evil('video')) for k in range(3)]
    else: items = ['a.png', evil('file') + '.png', 'c.png']
    for k, item in enumerate(items): picture(project/'images'/item, k % 3)
    shown = [evil('project'), evil('annotator'), evil('video') if task == 'video' else evil('file')]
    if task == 'keypoints':   # a skeleton (a COCO keypoint category) whose name and keypoint names hold markup
        skeleton = {'name': evil('skeleton'), 'keypoints': [ok, bad], 'skeleton': [[1, 2]]}
        (project/'skeleton.json').write_text(json.dumps(skeleton))
        return project, ['--keypoints', 'skeleton.json'], shown + [bad, evil('skeleton')]
    if task in SHAPES: return project, [f'--{task}', f'{ok},{bad}'], shown + [bad]   # no ground truth
    if task == 'labels': truth, options = {it: [bad if k else ok] for k, it in enumerate(items)}, ['--labels']
    elif task == 'boxes': truth, options = {it: box(bad if k else ok) for k, it in enumerate(items)}, ['--boxes']
    elif task == 'grid': truth, options = {it: {'answer': k == 1} for k, it in enumerate(items)}, ['--question']
    else: truth, options = {it: box(bad if k < 3 else ok, id=1) for k, it in enumerate(items)}, ['--video']
    options.append(f'Is it {evil("question")}?' if task == 'grid' else f'{ok},{bad}')
    shown.append(evil('question') if task == 'grid' else bad)
    (project/'annotations.json').write_text(json.dumps(truth))
    return project, options, shown


def settle(page, s=0.4): time.sleep(s)


def phase_body(page):
    "The shown phase's annotator: the last child of the app."
    return page.locator(f'{APP} > *').last


def usable(locator) -> bool: return locator.is_visible() and locator.is_enabled()


def poke(page, task: str, phase: str):
    "Use the phase as a person would: keys, a box drawn, text typed, each dropdown's options, thumbnails, buttons."
    body = phase_body(page)
    target = body.locator('canvas:visible, .ipyannotator-thumbnail:visible').first
    if target.count():
        target.hover()
        for key in ['2', 'ArrowRight', '2', '1', 'ArrowRight']: page.keyboard.press(key); settle(page, 0.15)
    canvas = body.locator('canvas:visible').first
    if task in ('boxes', 'video', *SHAPES) and phase == 'create' and canvas.count():
        b = canvas.bounding_box()
        page.mouse.move(b['x'] + 30, b['y'] + 30); page.mouse.down()
        page.mouse.move(b['x'] + 120, b['y'] + 100, steps=6); page.mouse.up()
        settle(page); page.keyboard.press('2'); settle(page)
    for k in range(body.locator('input[type=text]:visible').count()):   # a tag entry, a filter: type, pick the first
        field = body.locator('input[type=text]:visible').nth(k)
        if usable(field):
            field.fill('img'); settle(page); field.press('Enter'); settle(page)
    selects = lambda: body.locator('select')
    for i in range(selects().count()):
        for j in range(selects().nth(i).locator('option').count()):
            if i >= selects().count() or not usable(selects().nth(i)): break
            selects().nth(i).select_option(index=j, timeout=5000); settle(page)
            thumbs = body.locator('.ipyannotator-thumbnail:visible')
            for k in range(min(2, thumbs.count())): thumbs.nth(k).click(timeout=5000); settle(page, 0.2)
            for k in range(selects().count()):
                other = selects().nth(k)
                if k != i and usable(other) and other.locator('option').count():
                    other.select_option(index=other.locator('option').count() - 1, timeout=5000); settle(page)
            for name in ['img src=x', 'Relabel', 'give marked', 'fix marked', 'keyframe', 'join']:
                buttons = body.locator(f'button:has-text("{name}"):visible')
                for k in range(buttons.count()):
                    if usable(buttons.nth(k)): buttons.nth(k).click(timeout=5000); settle(page, 0.3)
    settle(page, 1)


SHAPES = ['polygons', 'masks', 'keypoints']
KNOWN = ['labels', 'boxes', 'grid', 'video', 'text', *SHAPES]   # the tasks `hostile_project` makes projects for
TASKS = KNOWN + sorted(set(registered_tasks()) - set(KNOWN))
@pytest.mark.parametrize('task', TASKS)
def test_hostile_strings_never_run_in_any_task_or_phase(app_server, browser_page, tmp_path, task):
    if task not in registered_tasks(): pytest.skip(f'no {task!r} task is registered yet')
    if task not in KNOWN: pytest.skip(f'no hostile project for the task {task!r}: add one to hostile_project')
    project, options, shown = hostile_project(tmp_path, task)
    s = app_server('serve', str(project), *options, '--annotator', 'tester')
    page = browser_page
    page.goto(s.url + '?annotator=' + urllib.parse.quote(evil('annotator')))
    page.wait_for_selector(APP)
    texts, ran = {}, {}
    for phase in PHASES + ['create']:   # every phase through the buttons, and back to create after improve
        page.click(f'{APP} > .widget-toggle-buttons :text-is("{phase}")')
        page.wait_for_function(f'() => ({ACTIVE})() === {json.dumps(phase)}')
        settle(page, 2)
        before = page.inner_text('body')
        poke(page, task, phase)
        texts[phase] = before + page.inner_text('body')
        ran[phase] = page.evaluate(PWNED)
    assert all(r == {'flags': [], 'elements': []} for r in ran.values()), f'markup ran in the page: {ran}'
    assert 'Something went wrong' not in ' '.join(texts.values()), texts
    for text in shown:   # the strings reached the page, as text
        assert any(text in t for t in texts.values()), f'{text!r} is not shown as text in any phase'


def test_a_project_that_cannot_open_shows_a_plain_message(app_server, browser_page, tmp_path):
    project = tmp_path/'shop'
    for k in range(3): picture(project/'images'/f'im{k}.png', k)
    (project/'annotations.json').write_text('{"im0.png": ["cat"], "im1.png": ["do')   # cut short
    s = app_server('serve', str(project), '--labels', 'cat,dog', '--phase', 'explore', '--annotator', 'tester')
    page = browser_page
    page.goto(s.url)
    page.wait_for_function(SAYS_ERROR)
    assert 'Traceback' not in page.content() and str(tmp_path) not in page.content()
    error = page.inner_text('.ipyannotator-error')
    assert error.startswith('Something went wrong: annotations.json'), error
    page.click('.widget-toggle-button:has-text("create")')         # the other phases still open
    page.wait_for_selector('.ipyannotator canvas', state='attached')
    assert page.locator('.ipyannotator-error').count() == 0
    page.click('.widget-toggle-button:has-text("explore")')        # a failing switch says so, and create stays
    page.wait_for_selector('.ipyannotator-error')
    assert page.evaluate(ACTIVE) == 'create'
    assert page.locator('.ipyannotator canvas').count() > 0
    assert 'Traceback' not in page.content() and str(tmp_path) not in page.content()
    log = s.log()
    assert 'opening the explore phase failed' in log and 'Traceback' in log and str(project/'annotations.json') in log

    (project/'results').mkdir(exist_ok=True)
    (project/'results'/'annotations.sqlite').write_bytes(b'not a database ' * 100)   # the store cannot open
    page.goto(s.url + '?annotator=ada')
    page.wait_for_selector('.ipyannotator-error')
    assert page.inner_text('.ipyannotator-error').startswith('Something went wrong: ')
    page.click('.widget-toggle-button:has-text("create")')
    page.wait_for_function("() => document.querySelector('.ipyannotator-error').innerText"
                           ".includes('results/annotations.sqlite')")
    assert 'Traceback' not in page.content() and str(tmp_path) not in page.content()


def test_a_name_that_is_not_one_is_refused_on_the_page(ipyannotator_server, browser_page, tmp_path):
    url = ipyannotator_server('demo', '--path', str(tmp_path/'demo'))
    page = browser_page
    for name, says in [('  \t ', 'the name in the address (?annotator=) is blank: give 1 to 100 printable characters'),
                       ('a' * 60_000, 'the name in the address (?annotator=) has 60,000 characters')]:
        page.goto(url + '?annotator=' + urllib.parse.quote(name))
        page.wait_for_selector('.ipyannotator-error')
        assert says in page.inner_text('.ipyannotator-error')
        assert page.locator('.ipyannotator canvas').count() == 0, 'the annotator opened for a name that is not one'
    page.goto(url + '?annotator=' + urllib.parse.quote(' Zoë <b> '))
    page.wait_for_selector('.ipyannotator canvas', state='attached')
    assert 'annotating as Zoë <b>' in page.inner_text(APP)
