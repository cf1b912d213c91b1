"""The Colab edition (colab/): in sync with the sources, plain Markdown, a working set-up cell.

The edition is regenerated in a temporary folder and compared with the committed one; the
set-up cell is run as a script against stand-ins (a failing pip, an unreachable GitHub, an old
ipywidgets) to check that each failure stops with a message saying what to do.  Running the
whole edition on Colab's versions is the Colab stage (``make test-colab``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from bookpaths import ROOT, toc_files
from lstm_edu import __version__
from lstm_edu.classroom import colab
from lstm_edu.classroom.myst_markdown import (BookIndex, MystError, author_year, latex_to_text, leftovers,
                                              read_bibtex, sphinx_id, to_markdown)

CONFIG = colab.ColabConfig.read(ROOT)
EDITION = ROOT / CONFIG.folder
NOTEBOOK_PAGES = [name for name in toc_files() if (ROOT / f"{name}.ipynb").is_file()]
COLAB_NOTEBOOKS = sorted(EDITION.rglob("*.ipynb"))
IDS = [p.relative_to(EDITION).as_posix() for p in COLAB_NOTEBOOKS]
#: The issue's own list of what must never reach Colab.
RAW_MYST = ("{term}", "{cite", "{ref}", "{glue", "```{", "{doc}", "{numref}")


def test_the_committed_edition_is_up_to_date():
    changed = colab.differences(ROOT)
    assert changed == [], "the Colab edition is out of date; run `make colab`:\n" + "\n".join(changed)


def test_every_notebook_page_has_a_colab_and_a_student_edition():
    assert NOTEBOOK_PAGES, "no notebook pages in _toc.yml"
    for name in NOTEBOOK_PAGES:
        assert (EDITION / f"{name}.ipynb").is_file(), f"{name}: no Colab edition at {CONFIG.folder}/{name}.ipynb"
        if name.startswith("notebooks/"):
            student = EDITION / "student" / f"{Path(name).name}.ipynb"
            assert student.is_file(), f"{name}: no student edition"
            assert "# YOUR CODE HERE" in student.read_text(encoding="utf-8"), f"{student.name}: solutions not stubbed"


def test_the_launch_buttons_look_in_the_edition_folder():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["path_to_book"] == CONFIG.folder == "colab"
    # path_to_book also feeds the "edit this page" button, which would then point into colab/
    assert config["html"].get("use_edit_page_button") is False
    assert CONFIG.book_url.startswith("https://") and CONFIG.book_url.endswith("/")


@pytest.mark.parametrize("path", COLAB_NOTEBOOKS, ids=IDS)
def test_no_myst_is_left(path):
    text = path.read_text(encoding="utf-8")
    raw = [marker for marker in RAW_MYST if marker in text]
    assert raw == [], f"{path.name}: raw MyST left: {raw}"
    notebook = nbformat.read(path, as_version=4)
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            assert leftovers(cell.source) == [], f"{path.name}, cell {number + 1}: {leftovers(cell.source)}"
            assert not re.search(r"^\([\w-]+\)=\s*$", cell.source, re.M), f"{path.name}, cell {number + 1}: a label line"
            for target in re.findall(r"\]\(([^)\s]+)", cell.source):
                assert re.match(r"https?://|#", target), f"{path.name}, cell {number + 1}: relative link ({target})"


@pytest.mark.parametrize("path", COLAB_NOTEBOOKS, ids=IDS)
def test_first_cell_is_the_pinned_setup_form_and_hidden_cells_are_gone(path):
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "code" and first.metadata.get("cellView") == "form"
    assert first.source.startswith("# @title")
    assert first.source == colab.setup_cell_source(CONFIG, colab.requirements(ROOT))
    assert f'LSTM_EDU_VERSION = "{__version__}"' in first.source
    assert f'LSTM_EDU_REF = "{CONFIG.package_ref}"' in first.source
    assert f'LSTM_EDU_REPOSITORY = "{CONFIG.repository}"' in first.source
    for number, cell in enumerate(notebook.cells):
        assert "colab-setup" not in cell.metadata.get("tags", []), f"cell {number + 1}: the hidden set-up cell"
        if cell.cell_type == "code":
            assert not re.search(r"""["']\.\./""", cell.source), f"{path.name}, cell {number + 1} reads a repository file"
        assert cell.get("outputs", []) == [], f"{path.name}, cell {number + 1} has outputs"


def test_package_ref_names_this_version():
    if re.fullmatch(r"v\d+(\.\d+)*", CONFIG.package_ref):
        assert CONFIG.package_ref == f"v{__version__}", (
            f"repository.package_ref is {CONFIG.package_ref} but lstm_edu is {__version__}: bump both together")


def test_cells_hidden_only_in_html_are_dropped_unless_later_cells_need_them():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("SHARED = Path('../../shared/data')\nDATA = SHARED if SHARED.is_dir() else None\n"
                                  "y = 2", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("show_live_widget()", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_markdown_cell("only for the HTML build", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("load(DATA)"),
    ])
    index = BookIndex("https://book.example/")
    result = colab.colab_notebook(notebook, "notebooks/x", index, CONFIG, "# @title set-up")
    sources = [cell.source for cell in result.cells]
    assert sources[0] == "# @title set-up" and result.cells[1].cell_type == "markdown"
    assert sources[2:] == ["x = 1",
                           "SHARED = None  # Colab has no copy of the repository: None means 'not available' "
                           "(defaults apply)\nDATA = None  # Colab has no copy of the repository: None means "
                           "'not available' (defaults apply)\ny = 2",
                           "load(DATA)"]


def test_a_repository_read_that_is_not_an_assignment_is_refused():
    with pytest.raises(colab.ColabError, match=r"x.ipynb, cell 3, line 1: reads a repository file"):
        colab.rewrite_repository_paths("print(open('../data.txt').read())", "x.ipynb, cell 3")


# ------------------------------------------------------------ MyST -> Markdown

INDEX = BookIndex(
    "https://book.example/",
    titles={"book/notation": "Notation", "notebooks/03_lstm": "The LSTM", "book/glossary": "Glossary"},
    labels={"lstm-gates": ("notebooks/03_lstm", "The gates"), "fig-x": ("notebooks/03_lstm", None)},
    terms={"forget gate": "term-Forget-gate"},
    citations={"hochreiter1997": ("Hochreiter and Schmidhuber", "1997"), "gers2000": ("Gers et al.", "2000")},
    repository_file_url="https://github.com/org/repo/blob/v1/",
)
BIB = "https://book.example/book/bibliography.html"


def convert(text, docname="notebooks/01_x"):
    return to_markdown(text, INDEX, docname, where="01_x.ipynb, cell 7")


def test_roles_become_links_into_the_html_book():
    assert convert("the {term}`forget gates <Forget gate>`") == \
        "the [forget gates](https://book.example/book/glossary.html#term-Forget-gate)"
    assert convert("{term}`Forget gate`") == "[Forget gate](https://book.example/book/glossary.html#term-Forget-gate)"
    assert convert("see {ref}`lstm-gates`") == "see [The gates](https://book.example/notebooks/03_lstm.html#lstm-gates)"
    assert convert("{ref}`gates <lstm-gates>`") == "[gates](https://book.example/notebooks/03_lstm.html#lstm-gates)"
    assert convert("{doc}`../book/notation`") == "[Notation](https://book.example/book/notation.html)"
    assert convert("{doc}`notation`", "book/myths") == "[Notation](https://book.example/book/notation.html)"


def test_citations_read_author_year_and_link_the_bibliography():
    assert convert("{cite:t}`hochreiter1997`") == f"[Hochreiter and Schmidhuber (1997)]({BIB})"
    assert convert("{cite:p}`hochreiter1997,gers2000`") == \
        f"([Hochreiter and Schmidhuber, 1997]({BIB}); [Gers et al., 2000]({BIB}))"


def test_admonitions_become_quoted_blocks_with_a_bold_title():
    text = "```{admonition} Learning objectives\n:class: tip\nYou can\n\n- use {term}`Forget gate`\n```"
    assert convert(text) == ("> **Learning objectives**\n>\n> You can\n>\n"
                             "> - use [Forget gate](https://book.example/book/glossary.html#term-Forget-gate)")
    assert convert(":::{note}\nBe careful.\n:::") == "> **Note**\n>\n> Be careful."
    nested = "````{admonition} Code\n```python\nx = {term}`not a role`\n```\n````"
    assert convert(nested) == "> **Code**\n>\n> ```python\n> x = {term}`not a role`\n> ```"


def test_code_math_labels_and_links():
    assert convert("`bias_ih_l{k}` and `{term}`") == "`bias_ih_l{k}` and `{term}`"
    assert convert("(lstm-gates)=\n## The gates") == "## The gates"
    assert convert("```{math}\na = b\n```") == "$$\na = b\n$$"
    assert convert("[notation](../book/notation.md#symbols)") == \
        "[notation](https://book.example/book/notation.html#symbols)"
    assert convert("[results](../benchmarks/RESULTS.md)") == \
        "[results](https://github.com/org/repo/blob/v1/benchmarks/RESULTS.md)"
    assert convert("![curve](../book/figures/curve.png)") == \
        "![curve](https://github.com/org/repo/raw/v1/book/figures/curve.png)"
    assert convert("[web](https://example.org/a) and [here](#top)") == "[web](https://example.org/a) and [here](#top)"


@pytest.mark.parametrize("text, message", [
    ("{term}`Unknown thing`", r"01_x.ipynb, cell 7: .*'Unknown thing' is not in the glossary"),
    ("{ref}`no-such-label`", r"no label \(no-such-label\)= in the book"),
    ("{ref}`fig-x`", r"not on a heading; give the link text"),
    ("{cite:p}`nobody2020`", r"cites \['nobody2020'\], not in the bibliography"),
    ("{weird}`x`", r"the role \{weird\} has no Colab conversion"),
    ("```{toctree}\na\n```", r"the directive \{toctree\} has no Colab conversion"),
    ("```{admonition} open\nnever closed", r"never closed"),
    ("[up](../../../secret.txt)", r"points outside the book and the repository"),
])
def test_what_cannot_be_converted_is_an_error_naming_the_cell(text, message):
    with pytest.raises(MystError, match=message):
        convert(text)


def test_bibtex_names_and_accents():
    entries = read_bibtex('@article{a, author = {Schmidhuber, J{\\"u}rgen and Merri{\\"e}nboer, Bart},\n'
                          ' year = 1997, title = "T"}\n@misc{b, author = {{PyTorch contributors}}, year = {2026}}\n'
                          '@misc{c, author = {Chollet, Fran{\\c{c}}ois and others}, year={2015}}')
    assert author_year(entries["a"]) == ("Schmidhuber and Merriënboer", "1997")
    assert author_year(entries["b"]) == ("PyTorch contributors", "2026")
    assert author_year(entries["c"]) == ("Chollet et al.", "2015")
    assert latex_to_text("Koutn{\\'i}k, L{\\'e}on, 157--166") == "Koutník, Léon, 157–166"


def test_glossary_anchors_are_the_ones_sphinx_writes():
    nodes = pytest.importorskip("sphinx.util.nodes")
    index = colab.book_index(ROOT, CONFIG)
    assert len(index.terms) > 20
    glossary = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    for term in re.findall(r"^([A-Z][^\n]*)$", glossary.split("{glossary}", 1)[1], re.M):
        assert index.terms[term.strip().lower()] == nodes._make_id("term-" + term.strip())
    for text in ["Backpropagation through time (BPTT)", "Élan ß vital", "2-layer"]:
        assert sphinx_id(text) == nodes._make_id(text)


# ---------------------------------------------------------------- set-up cell


def stand_ins(tmp_path, *, lstm_edu_version=None, ipywidgets_version=None, pip_fails=False, github=None):
    """Folders that fake installed versions, a failing pip, a git that cannot fetch, and GitHub's
    reachability: ``(for PYTHONPATH, for the front of PATH)``."""
    fake, bin_dir = tmp_path / "fake", tmp_path / "bin"
    fake.mkdir()
    bin_dir.mkdir()
    for name, version in [("lstm_edu", lstm_edu_version), ("ipywidgets", ipywidgets_version)]:
        if version:
            info = fake / f"{name}-{version}.dist-info"
            info.mkdir()
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    if pip_fails:
        (fake / "pip").mkdir()
        (fake / "pip" / "__init__.py").write_text("")
        (fake / "pip" / "__main__.py").write_text(
            "import sys\nprint('ERROR: Could not find a version that satisfies the requirement (stand-in pip)')\n"
            "sys.exit(1)\n")
    git = bin_dir / "git"
    git.write_text('#!/bin/sh\ncase "$*" in *fetch*) echo "fatal: unable to access github.com (stand-in git)" >&2; '
                   'exit 128;; esac\nexit 0\n')
    git.chmod(0o755)
    if github is not None:
        (fake / "sitecustomize.py").write_text(
            "import socket\n"
            "class _Connection:\n    def close(self):\n        pass\n"
            "def _connect(*args, **kwargs):\n"
            + ("    return _Connection()\n" if github else "    raise OSError('unreachable (stand-in)')\n")
            + "socket.create_connection = _connect\n")
    return fake, bin_dir


def run_cell(tmp_path, source=None, **fakes):
    """Run the Colab set-up cell as a script with :func:`stand_ins`; return (exit status, output)."""
    cell = tmp_path / "cell.py"
    cell.write_text(colab.setup_cell_source(CONFIG, colab.requirements(ROOT)), encoding="utf-8")
    fake, bin_dir = stand_ins(tmp_path, **fakes)
    env = {"PYTHONPATH": str(fake), "PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    if source is not None:
        env["LSTM_EDU_SOURCE"] = str(source)
    done = subprocess.run([sys.executable, str(cell)], cwd=tmp_path, env=env, text=True, capture_output=True,
                          timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_setup_cell_with_the_package_present_only_checks_it(tmp_path):
    rc, output = run_cell(tmp_path, source=ROOT)
    assert rc == 0, output
    assert f"lstm_edu {__version__} ready: torch" in output
    assert "Installing" not in output and "Fetching" not in output


def test_setup_cell_says_when_github_is_unreachable(tmp_path):
    rc, output = run_cell(tmp_path, lstm_edu_version="0.0.1", github=False)
    assert rc != 0
    assert f"Fetching the book's repository at {CONFIG.package_ref}" in output
    assert "cannot reach github.com" in output and "What to do" in output and "LSTM_EDU_SOURCE" in output
    assert "ModuleNotFoundError" not in output
    assert not (tmp_path / ".cache" / "lstm_edu" / f"book-{CONFIG.package_ref}").exists(), "a half copy was left"


def test_setup_cell_shows_git_when_the_fetch_fails_otherwise(tmp_path):
    rc, output = run_cell(tmp_path, lstm_edu_version="0.0.1", github=True)
    assert rc != 0
    assert f"Fetching {CONFIG.package_ref} from {CONFIG.repository} failed" in output
    assert "stand-in git" in output and "What to do" in output


def test_setup_cell_shows_pip_when_the_install_fails(tmp_path):
    rc, output = run_cell(tmp_path, source=ROOT, lstm_edu_version="0.0.1", pip_fails=True)
    assert rc != 0
    assert "Installing lstm_edu" in output and "pip install of lstm_edu from" in output
    assert "stand-in pip" in output and "What to do" in output


def test_setup_cell_refuses_an_old_ipywidgets_before_installing(tmp_path):
    rc, output = run_cell(tmp_path, source=ROOT, lstm_edu_version="0.0.1", ipywidgets_version="7.6.5",
                          pip_fails=True)
    assert rc != 0
    assert "ipywidgets 7.6.5 is installed" in output and "older than 7.7" in output
    assert "Installing" not in output and "Disconnect and delete runtime" in output


def test_setup_cell_refuses_a_source_that_is_not_the_repository(tmp_path):
    rc, output = run_cell(tmp_path, source=tmp_path / "nothing-here")
    assert rc != 0 and "not a copy of the book's repository" in output


def test_setup_cell_failure_is_a_plain_message_in_a_notebook(tmp_path, monkeypatch):
    """In a kernel, "Run all" stops at the set-up cell and shows the message without a traceback."""
    nbclient = pytest.importorskip("nbclient")
    fake, bin_dir = stand_ins(tmp_path, lstm_edu_version="0.0.1", github=False)
    monkeypatch.setenv("PYTHONPATH", str(fake))  # the kernel inherits these
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("LSTM_EDU_SOURCE", raising=False)
    source = colab.setup_cell_source(CONFIG, colab.requirements(ROOT))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell("1")])
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(nbclient.exceptions.CellExecutionError):
        client.execute()
    error = next(o for o in notebook.cells[0].outputs if o.output_type == "error")
    assert error.ename == "SetupFailed"
    shown = "\n".join(error.traceback)
    assert "SET-UP FAILED" in shown and "cannot reach github.com" in shown and "What to do" in shown
    assert "Traceback" not in shown and "File " not in shown
    assert notebook.cells[1].outputs == [] and notebook.cells[1].execution_count is None


def test_the_leftover_detector_sees_roles_and_directives_but_not_code():
    assert leftovers("a {term}`x` b") == ["{term}`"]
    assert leftovers("```{note}\nbody\n```") == ["```{"]
    assert leftovers(":::{admonition} t\nbody\n:::") == [":::{"]
    assert leftovers("`{term}` in code and `bias_l{k}`") == []
    assert leftovers("```python\nx = '{term}`y`'\n```\nafter") == []
