"""The text tagger in real Chromium (`ipyannotator demo --task text`): type-ahead in the search box, Enter, digits and
Backspace there, keys over the page, parents added with their tags, and the values in the store."""
import json, time
from ipyannotator.storage import SQLiteStore

ITEM_SHOWN = "(item) => document.querySelector('.ipyannotator code')?.innerText === item"
BOX = '.ipyannotator-tag-search textarea'
BOX_FOCUSED = "() => document.activeElement?.closest('.ipyannotator-tag-search') !== null"


def stored(store, item, want, timeout=15):
    "The value of `item` in `store` once it is `want` (or after `timeout` seconds: the last value read)."
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = store.get(item)
        if value == want: return value
        time.sleep(0.2)
    return store.get(item)


def chip(page, tag):
    "Wait for the button of a chosen tag (`tag ×`)."
    page.wait_for_selector(f'.ipyannotator button:text-is("{tag} ×")')


def test_text_tagging_with_the_keyboard(ipyannotator_server, browser_page, tmp_path):
    base = ipyannotator_server('demo', '--task', 'text', '--path', str(tmp_path/'demo'), '--annotator', 'tester')
    page = browser_page
    page.goto(base)
    page.wait_for_selector(BOX)
    page.wait_for_function(ITEM_SHOWN, arg='t0000')
    project = next((tmp_path/'demo').rglob('texts.jsonl')).parent
    first = json.loads((project/'texts.jsonl').read_text().splitlines()[0])
    assert first['title'] in page.inner_text('.ipyannotator-text'), 'the text is not shown'
    store = SQLiteStore(project/'results'/'annotations.sqlite', author='tester', task='tags:tags')

    # type-ahead in the search box: the best tag for 'kube' is numbered 1; Enter adds it with its parent
    page.click(BOX)
    page.keyboard.type('kube')
    page.wait_for_selector('.ipyannotator button:text-is("1 kubernetes")')
    page.keyboard.press('Enter')
    chip(page, 'kubernetes')
    page.wait_for_function("() => document.querySelector('.ipyannotator').innerText.includes('with devops')")
    assert stored(store, 't0000', ['kubernetes', 'devops']) == ['kubernetes', 'devops']

    # a digit after a search picks that tag found; its parent comes with it
    page.keyboard.type('pyth1')
    chip(page, 'python')
    want = ['kubernetes', 'devops', 'python', 'programming-languages']
    assert stored(store, 't0000', want) == want

    # Backspace on the empty box removes the last tag chosen, and the parent it brought
    page.keyboard.press('Backspace')
    page.wait_for_selector('.ipyannotator button:text-is("python ×")', state='hidden')
    assert stored(store, 't0000', ['kubernetes', 'devops']) == ['kubernetes', 'devops']
    assert store.history('t0000')[-1].value == ['kubernetes', 'devops']

    # Enter on the empty box goes on to the next text
    page.keyboard.press('Enter')
    page.wait_for_function(ITEM_SHOWN, arg='t0001')

    # keys over the page, out of the box: 0 answers "no tag applies"
    page.click('.ipyannotator-text')
    page.wait_for_function("() => document.activeElement?.tagName !== 'TEXTAREA'")
    page.keyboard.press('0')
    page.wait_for_function("() => document.querySelector('.ipyannotator').innerText.includes('no tag applies')")
    assert stored(store, 't0001', []) == []

    # a letter typed over the page starts a search, and the box takes the focus for the next letters
    page.keyboard.press('r')
    page.wait_for_function(BOX_FOCUSED)
    page.keyboard.type('ust')
    page.wait_for_selector('.ipyannotator button:text-is("1 rust")')
    page.keyboard.press('Enter')
    chip(page, 'rust')
    assert stored(store, 't0001', ['rust', 'programming-languages']) == ['rust', 'programming-languages']
    assert page.input_value(BOX).strip('\u200b') == '', 'the box is not emptied after a tag is added'
    store.close()
