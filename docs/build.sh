#!/usr/bin/env bash
# Build the documentation offline: one HTML page per notebook in nbs/, plus index.html listing them.
# Quarto is not needed (nbdev_docs / nbdev_preview / nbdev_proc_nbs would try to install it: never call them).
#
#   bash docs/build.sh                      # every notebook in nbs/, pages written to docs/
#   bash docs/build.sh nbs/00_base.ipynb    # only these notebooks (other pages in docs/ are kept)
#
# Steps, all in a temporary folder (the repository's nbs/ are only read):
#   1. add a show_doc cell under each exported symbol (nbdev's add_show_docs), then run each notebook as nbdev_test
#      does (cells flagged with tst_flags or `#| eval: false` are skipped; of a `skip_exec: true` notebook only the
#      import, export and show_doc cells run), keeping the outputs; notebooks run in parallel, one process each;
#   2. nbdev's doc processors (hidden cells removed, ...) through nbdev.serve.proc_nbs, except exec_show_docs;
#   3. nbconvert's HTML exporter; pages are named as nbdev names them (00_base.ipynb -> base.html), and links to
#      the documentation site are made relative, so the pages link to each other offline.
# Environment: DOCS_OUT (output folder, default docs/), DOCS_JOBS (notebooks run at once, default 2),
#   DOCS_TIMEOUT (seconds per notebook, default 600), PYTHON (default: .venv/bin/python if present, else python3).
# Exit status is not 0 if a notebook failed; its page is still written, with the error in the failing cell.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${DOCS_OUT:-$REPO/docs}
JOBS=${DOCS_JOBS:-2}
TIMEOUT=${DOCS_TIMEOUT:-600}
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$REPO/.venv/bin/python" ]; then PYTHON=$REPO/.venv/bin/python; else PYTHON=python3; fi
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ipyannotator-docs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export IPYANNOTATOR_REPO=$REPO PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH}
unset IN_TEST
for var in JUPYTER_DATA_DIR JUPYTER_CONFIG_DIR JUPYTER_RUNTIME_DIR IPYTHONDIR; do   # keep Jupyter out of the home folder
  export "$var=$WORK/jupyter/$var"; mkdir -p "$WORK/jupyter/$var"
done
START=$(date +%s)

# ---- the notebooks, copied into WORK/nbs (relative paths kept)
cp "$REPO/settings.ini" "$WORK/"
# show_doc outputs come from step 1: turn nbdev's exec_show_docs off in the copy of settings.ini
if grep -q '^skip_procs *=' "$WORK/settings.ini"; then sed -i 's/^skip_procs *=.*/&,exec_show_docs/' "$WORK/settings.ini"
else sed -i 's/^\[DEFAULT\]$/&\nskip_procs = exec_show_docs/' "$WORK/settings.ini"; fi
if [ $# -gt 0 ]; then NBS=("$@"); ALL=0
else
  mapfile -t NBS < <(cd "$REPO" && find nbs -name '*.ipynb' -not -path '*/.*' -not -path '*/_*' -not -name '_*' | sort)
  ALL=1
fi
[ ${#NBS[@]} -gt 0 ] || { echo "no notebooks found in $REPO/nbs" >&2; exit 1; }
for nb in "${NBS[@]}"; do
  src=$(cd "$REPO" && realpath "$nb")
  case "$src" in "$REPO/nbs/"*) ;; *) echo "$nb is not a notebook under $REPO/nbs" >&2; exit 1;; esac
  [ -f "$src" ] || { echo "$nb: no such notebook" >&2; exit 1; }
  rel=${src#"$REPO/"}
  mkdir -p "$WORK/$(dirname "$rel")" && cp "$src" "$WORK/$rel"
done
echo "== docs: ${#NBS[@]} notebook(s), $JOBS at a time"

# ---- 1. run each notebook (as nbdev_test does) and keep its outputs
cat > "$WORK/run_nb.py" <<'PY'
"Add show_doc cells to one notebook and run it in place as nbdev_test does, keeping outputs. Usage: run_nb.py NOTEBOOK"
import os, sys, time
from pathlib import Path
os.environ['IN_TEST'] = '1'
sys.path.insert(0, os.environ['IPYANNOTATOR_REPO'])
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.basics import str2bool
from nbdev.config import get_config
from nbdev.frontmatter import FrontmatterProc
from nbdev.process import NBProcessor
from nbdev.processors import add_show_docs, _do_eval, _is_showdoc

fn = Path(sys.argv[1]).resolve()
flags = set(get_config().get('tst_flags', '').split())
fm = getattr(NBProcessor(fn, procs=FrontmatterProc, process=True).nb, 'frontmatter_', {})
skip_exec = str2bool(fm.get('skip_exec', False))
nb = read_nb(fn)
# show_doc cells are added and run here, with the whole notebook run before them, instead of by nbdev's
# exec_show_docs, which runs only the cells holding imports and fails when they need an earlier cell.
NBProcessor(nb=nb, procs=[add_show_docs], rm_directives=False, process=True)

def skip(cell):
    if cell.cell_type != 'code': return True
    if skip_exec: return not (_is_showdoc(cell) or _do_eval(cell))   # just enough for the API docs
    d = getattr(cell, 'directives_', {}) or {}
    return d.get('eval:', [''])[0].lower() == 'false' or bool(flags & d.keys())

start, k = time.time(), CaptureShell(fn)
os.chdir(fn.parent)
k.run_cell('from nbdev.showdoc import show_doc')
k.run_all(nb, exc_stop=not skip_exec, preproc=skip)
write_nb(nb, fn)
if k.exc and not skip_exec:
    sys.stderr.write(f'- {fn.name}: FAILED\n{k.prettytb(fname=fn)}\n'); sys.exit(1)
print(f'- {fn.name}: ' + ('skip_exec, only its API docs run' if skip_exec else f'ran in {time.time() - start:.1f} s'))
PY
FAILED=0
(cd "$WORK" && find nbs -name '*.ipynb' | sort | xargs -P "$JOBS" -I{} timeout "$TIMEOUT" "$PYTHON" run_nb.py {}) || FAILED=1

# ---- 2 and 3. nbdev's doc processors, then HTML pages and the index
cat > "$WORK/render.py" <<'PY'
"Process the run notebooks for docs (nbdev) and write HTML pages (nbconvert). Usage: render.py OUT ALL JOBS"
import html as html_lib, re, sys
from nbdev.doclinks import _nbpath2html
import yaml
from traitlets.config import Config
from pathlib import Path
from nbconvert import HTMLExporter
import nbformat
from nbdev.config import get_config
from nbdev.serve import proc_nbs

def frontmatter(nb) -> dict:
    "Pop nbdev's frontmatter cell (YAML between `---` lines) off `nb` and return it."
    c = nb.cells[0] if nb.cells else None
    if c is None or c.cell_type != 'raw' or not c.source.startswith('---'): return {}
    nb.cells.pop(0)
    return yaml.safe_load(c.source.strip().strip('-')) or {}

def for_html(nb):
    "Do what quarto would: hide the input of `echo: false` cells, drop `#|` lines, drop quarto's `{...}` link attributes."
    for c in nb.cells:
        if c.cell_type != 'code': continue
        lines = c.source.splitlines()
        if any(re.match(r'#\|\s*echo:\s*false', l) for l in lines): c.metadata.setdefault('tags', []).append('remove_input')
        c.source = '\n'.join(l for l in lines if not l.startswith('#|'))
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md: o['data']['text/markdown'] = re.sub(r'\]\(([^)]*)\)\{[^}]*\}', r'](\1)', md if isinstance(md, str) else ''.join(md))

def _title_of(page:Path) -> str:
    m = re.search(r'<title>(.*?)</title>', page.read_text(encoding='utf-8', errors='replace')[:5000], re.S)
    return html_lib.unescape(m.group(1).strip()) if m else page.stem

def main():
    out, build_all, jobs = Path(sys.argv[1]), sys.argv[2] == '1', int(sys.argv[3])
    cfg = get_config()
    site = cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/') + '/'
    n_nbs = len(list(Path('nbs').rglob('*.ipynb')))
    cache = proc_nbs('nbs', n_workers=0 if n_nbs == 1 else jobs, force=True)   # 0: in this process, no start-up cost

    pages = []
    for p in sorted(cache.rglob('*.ipynb')):
        nb = nbformat.read(p, as_version=4)
        fm = frontmatter(nb)
        rel = p.relative_to(cache)
        name = rel.parent/(fm.get('output-file') or rel.with_suffix('.html').name)
        title, desc = str(fm.get('title') or ''), str(fm.get('description') or '')
        for_html(nb)
        if title:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(f'# {title}' + (f'\n\n> {desc}' if desc else '')))
            nb.metadata['title'] = title
        pages.append((name, title or name.stem, desc, nb))

    if build_all:
        for old in out.rglob('*.html'): old.unlink()
    built = {n.as_posix() for n, *_ in pages}
    kept = [(p.relative_to(out), _title_of(p), '') for p in sorted(out.rglob('*.html'))   # pages of an earlier build
            if p.relative_to(out).as_posix() not in built | {'index.html'}]
    listing = '\n'.join(f'- [{t}]({n.as_posix()})' + (f': {d}' if d else '')
                        for n, t, d, *_ in sorted(pages + kept, key=lambda x: x[0].as_posix()) if n.name != 'index.html')
    if not any(n.as_posix() == 'index.html' for n, *_ in pages):
        nb = nbformat.v4.new_notebook(); nb.metadata['title'] = cfg.title
        nb.cells.append(nbformat.v4.new_markdown_cell(f'# {cfg.title}\n\n> {cfg.description}'))
        pages.append((Path('index.html'), cfg.title, '', nb))
    for n, t, d, nb in pages:
        if n.as_posix() == 'index.html': nb.cells.append(nbformat.v4.new_markdown_cell('## Pages\n\n' + listing))

    c = Config()
    c.TagRemovePreprocessor.enabled, c.TagRemovePreprocessor.remove_input_tags = True, {'remove_input'}
    exporter = HTMLExporter(config=c, exclude_input_prompt=True, exclude_output_prompt=True)
    for n, t, d, nb in pages:
        html, _ = exporter.from_notebook_node(nb)
        up = '../'*(len(n.parts) - 1)
        html = html.replace(site, up or './')                       # links to the doc site become relative
        html = re.sub(r'href="(?!https?:)([^"#]+\.ipynb)(#[^"]*)?"',   # named as nbdev names pages: 56_x.ipynb -> x.html
                      lambda m: f'href="{_nbpath2html(Path(m[1])).as_posix()}{m[2] or ""}"', html)
        (out/n).parent.mkdir(parents=True, exist_ok=True)
        (out/n).write_text(html, encoding='utf-8')
    print(f'== docs: {len(pages)} page(s) in {out}')

if __name__ == '__main__': main()   # proc_nbs starts worker processes that import this file
PY
mkdir -p "$OUT"
[ -d "$REPO/nbs/images" ] && mkdir -p "$OUT/images" && cp -r "$REPO/nbs/images/." "$OUT/images/"   # the pictures pages show
(cd "$WORK" && "$PYTHON" render.py "$(realpath "$OUT")" "$ALL" "$JOBS") || FAILED=1
echo "== docs: done in $(( $(date +%s) - START )) s$([ $FAILED = 1 ] && echo ', WITH FAILURES (see above)')"
exit $FAILED
