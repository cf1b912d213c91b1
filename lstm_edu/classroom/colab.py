"""The Colab edition of the book's notebooks (``python -m lstm_edu.classroom.colab`` or ``make colab``).

Colab renders plain Markdown, ignores cell tags and knows nothing of the repository around a
notebook, so the chapters (``notebooks/*.ipynb``) and notebook appendices (``book/*.ipynb``) get
a Colab edition, committed under the folder named by ``repository.path_to_book`` in
``_config.yml`` (``colab/``), which is where the HTML book's Colab launch buttons point:

- ``colab/notebooks/*.ipynb``, ``colab/book/*.ipynb``: every page with its MyST turned into
  Markdown (:mod:`lstm_edu.classroom.myst_markdown`: glossary terms, cross-references and
  citations become links into the published HTML book, ``html.baseurl``), cells tagged
  ``remove-cell`` dropped, and a first **set-up cell** (a Colab form) that installs
  ``lstm_edu`` pinned to ``repository.package_ref`` without touching Colab's own packages
  (:mod:`lstm_edu.classroom.colab_setup_cell`);
- ``colab/student/*.ipynb``: the same chapters with solutions stubbed
  (:func:`lstm_edu.classroom.student_notebook`), the links a teacher hands out.

Cells tagged ``remove-cell`` are hidden in the HTML book, but some hold code that later cells
need (e.g. chapter 7 decides there where the data are).  Such a cell is kept when a later cell
uses a name it defines, or when it is tagged ``colab-keep``; a statement of a kept cell that
reads a repository file (a ``"../..."`` path) becomes ``NAME = None`` ("not available",
which the data loaders read as "use ``$LSTM_EDU_DATA`` or the cache").

``--check`` regenerates into a temporary folder and reports every file that differs from the
committed edition (the test suite runs it); outputs are always stripped.
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from lstm_edu.classroom.editions import ClassroomError, student_notebook
from lstm_edu.classroom.myst_markdown import BookIndex, MystError, leftovers, to_markdown
from lstm_edu.classroom.notebooks import cell_source, cell_tags, read_notebook, strip_outputs, write_notebook

SETUP_TAG = "colab-setup"  # the hidden set-up cell of the book's notebooks, replaced here
KEEP_TAG = "colab-keep"  # keep a remove-cell cell in the Colab edition
STUDENT = "student"
TEMPLATE = Path(__file__).with_name("colab_setup_cell.py")
README = """\
# The Colab edition (generated: do not edit)

These notebooks are generated from `notebooks/*.ipynb` and `book/*.ipynb` by
`python -m lstm_edu.classroom.colab` (`make colab`); edit those, then regenerate.
The HTML book's Colab buttons open the notebooks here.

- `notebooks/`, `book/`: the chapters and appendices as Colab renders them, with a first
  cell that installs the book's package, `lstm_edu`, at the book's version;
- `student/`: the chapters with the exercise solutions replaced by stubs.
"""


class ColabError(ValueError):
    """The Colab edition cannot be generated; the message says where and what to change."""


@dataclass(frozen=True)
class ColabConfig:
    """What the edition needs from ``_config.yml`` and the package."""

    repository: str  # https://github.com/<org>/<repo>
    branch: str
    package_ref: str  # the tag or commit whose lstm_edu the set-up cell installs
    book_url: str  # the published HTML book, ending with "/"
    folder: str  # repository.path_to_book: where the edition lives
    version: str  # lstm_edu.__version__ of the sources

    @classmethod
    def read(cls, root: Path) -> ColabConfig:
        try:
            import yaml
        except ImportError:  # pragma: no cover - the book's tooling has it
            raise ColabError("PyYAML is needed to read _config.yml (pip install -r requirements-dev.txt)") from None
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
        repository, html = config.get("repository") or {}, config.get("html") or {}
        missing = [key for key, value in [("repository.url", repository.get("url")),
                                          ("repository.package_ref", repository.get("package_ref")),
                                          ("repository.path_to_book", repository.get("path_to_book")),
                                          ("html.baseurl", html.get("baseurl"))] if not value]
        if missing:
            raise ColabError(f"{root / '_config.yml'}: {', '.join(missing)} missing; the Colab edition needs them")
        found = re.search(r'^__version__\s*=\s*"([^"]+)"', (root / "lstm_edu" / "__init__.py").read_text(), re.M)
        if found is None:
            raise ColabError("lstm_edu/__init__.py: no __version__ = \"...\" line")
        return cls(repository=str(repository["url"]).rstrip("/"), branch=str(repository.get("branch", "main")),
                   package_ref=str(repository["package_ref"]), book_url=str(html["baseurl"]).rstrip("/") + "/",
                   folder=str(repository["path_to_book"]).strip("/"), version=found[1])


# --------------------------------------------------------------- set-up cell


def requirements(root: Path) -> dict[str, str]:
    """``{name: specifier}`` of lstm_edu's dependencies, from ``pyproject.toml``."""
    import tomllib

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needs = {}
    for line in project.get("dependencies", []):
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*([^;]*)", line)
        if match is None:
            raise ColabError(f"pyproject.toml: cannot read the dependency {line!r} (markers are not supported)")
        needs[match[1]] = match[2].replace(" ", "")
    return needs


def setup_cell_source(config: ColabConfig, needs: dict[str, str]) -> str:
    """The Colab set-up cell: the template below its ``# --- cell ---`` line, filled in."""
    template = TEMPLATE.read_text(encoding="utf-8").split("# --- cell ---\n", 1)[1]
    filled = (template.replace("__VERSION__", config.version)
              .replace("__REPOSITORY__", config.repository)
              .replace("__REF__", config.package_ref)
              .replace('{"__NEEDS__": ""}', repr(needs)))
    left = re.findall(r"__[A-Z]+__", filled)
    if left:
        raise ColabError(f"{TEMPLATE.name}: placeholders {left} are not filled in")
    title = f"# @title Set-up: run this cell first (installs lstm_edu {config.version}, the book's package)\n"
    return title + filled.rstrip("\n")


def about_cell_source(config: ColabConfig, title: str, docname: str, student: bool) -> str:
    """The note under the set-up cell: which page this is, what a GPU changes."""
    page = f"{config.book_url}{docname}.html"
    lines = [f"*Colab edition of [{title}]({page}), generated from the book's sources "
             f"(lstm_edu {config.version}).* Run the set-up cell above first, then the cells in order."]
    if student:
        lines.append("**Student edition:** the solution of every exercise is replaced by `# YOUR CODE HERE`; "
                     "the check cell under it says what is still missing or wrong.")
    lines.append("**CPU or GPU.** On a CPU runtime every experiment runs its quick version. On a GPU runtime "
                 "(*Runtime > Change runtime type*) `lstm_edu.full_size()` is true and the heavy experiments run "
                 "at full size; the book's teacher's guide gives the time budget per chapter.")
    return "\n\n".join(lines)


# ------------------------------------------------------------- code cells


def _parsable(source: str) -> str:
    """The source with IPython magics and shell lines blanked, so that :mod:`ast` can read it."""
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def _names(tree: ast.AST, stores: bool) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store if stores else ast.Load):
            names.add(node.id)
        elif stores and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif stores and isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _tree(source: str) -> ast.AST | None:
    try:
        return ast.parse(_parsable(source))
    except SyntaxError:
        return None


_REPO_LITERAL = re.compile(r"""["']\.\.[/\\]""")


def _is_repo_path(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(("../", "..\\"))


def rewrite_repository_paths(source: str, where: str) -> str:
    """Replace each statement that binds a name to a repository path by ``NAME = None``."""
    if not _REPO_LITERAL.search(source):
        return source
    tree = _tree(source)
    if tree is None:
        raise ColabError(f"{where} reads a repository file (a '../' path) and cannot be parsed; rewrite it")
    lines, tainted, changes = source.split("\n"), set(), []
    for statement in tree.body:
        uses = _names(statement, stores=False) & tainted
        if not (uses or any(_is_repo_path(node) for node in ast.walk(statement))):
            continue
        if not (isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets)):
            raise ColabError(f"{where}, line {statement.lineno}: reads a repository file that Colab does not have; "
                             "bind the path to a name (NAME = Path('../...')) so the Colab edition can set it to None")
        names = [target.id for target in statement.targets]
        tainted.update(names)
        changes.append((statement.lineno, statement.end_lineno,
                        " = ".join(names) + " = None  # Colab has no copy of the repository: "
                        "None means 'not available' (defaults apply)"))
    for first, last, text in reversed(changes):
        lines[first - 1:last] = [text]
    return "\n".join(lines)


def _kept(notebook, index: int) -> bool:
    """Whether the ``remove-cell`` cell ``index`` stays: tagged colab-keep, or later cells use its names."""
    cell = notebook.cells[index]
    if KEEP_TAG in cell_tags(cell):
        return True
    if cell.cell_type != "code":
        return False
    tree = _tree(cell_source(cell))
    defined = _names(tree, stores=True) if tree is not None else set()
    for later in notebook.cells[index + 1:]:
        if later.cell_type == "code":
            later_tree = _tree(cell_source(later))
            if later_tree is None or defined & _names(later_tree, stores=False):
                return True
    return False


# ---------------------------------------------------------------- pages


def toc_documents(root: Path) -> dict[str, Path]:
    """``{docname: source file}`` of every page in ``_toc.yml``, in book order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(str(entry["file"]))
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    documents = {}
    for name in names:
        name = name.removesuffix(".md").removesuffix(".ipynb")
        source = next((root / f"{name}{suffix}" for suffix in (".ipynb", ".md") if (root / f"{name}{suffix}").is_file()),
                      None)
        if source is None:
            raise ColabError(f"_toc.yml names {name}, but neither {name}.ipynb nor {name}.md exists")
        documents[name] = source
    return documents


def _markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n\n".join(cell_source(c) for c in read_notebook(path).cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def book_index(root: Path, config: ColabConfig) -> BookIndex:
    """Pages, labels, glossary and bibliography of the HTML book, from its sources."""
    documents = {name: _markdown_of(path) for name, path in toc_documents(root).items()}
    bibtex = "\n".join(path.read_text(encoding="utf-8") for path in sorted((root / "book").glob("*.bib")))
    return BookIndex.from_sources(config.book_url, documents, bibtex,
                                  repository_file_url=f"{config.repository}/blob/{config.package_ref}/")


def colab_notebook(notebook, docname: str, index: BookIndex, config: ColabConfig, setup: str,
                   student: bool = False):
    """The Colab edition of one notebook (a converted copy; ``notebook`` is not changed)."""
    name = f"{docname}.ipynb"
    if student:
        notebook = student_notebook(notebook, Path(name).name)
    result = strip_outputs(notebook)
    cells = []
    for number, cell in enumerate(result.cells):
        where = f"{name}, cell {number + 1}"
        tags = cell_tags(cell)
        if SETUP_TAG in tags or ("remove-cell" in tags and not _kept(result, number)):
            continue
        if cell.cell_type == "markdown":
            cell.source = to_markdown(cell_source(cell), index, docname, where)
            left = leftovers(cell.source)
            if left:  # the converter raises first; this guards against its own mistakes
                raise ColabError(f"{where}: MyST left after conversion: {left}")
        elif cell.cell_type == "code":
            cell.source = rewrite_repository_paths(cell_source(cell), where)
        cells.append(cell)
    title = index.titles.get(docname, docname)
    setup_cell = nbformat.v4.new_code_cell(setup, id="colab-setup", metadata={"cellView": "form"})
    about = nbformat.v4.new_markdown_cell(about_cell_source(config, title, docname, student), id="colab-about")
    result.cells = [setup_cell, about, *cells]
    result.metadata["colab"] = {"name": Path(name).name, "provenance": [], "toc_visible": True}
    nbformat.validate(result)
    return result


def build(root: str | Path = ".", out: str | Path | None = None) -> dict[str, list[Path]]:
    """Write the Colab edition of every notebook page into ``out`` (default: the configured folder).

    Everything is converted before anything is written, so an error leaves the old edition as it was.
    Returns ``{"full": [...], "student": [...]}``, the written paths.
    """
    root = Path(root).resolve()
    config = ColabConfig.read(root)
    out = Path(out) if out is not None else root / config.folder
    index = book_index(root, config)
    setup = setup_cell_source(config, requirements(root))
    converted: dict[Path, object] = {}
    try:
        for docname, path in toc_documents(root).items():
            if path.suffix != ".ipynb":
                continue
            notebook = read_notebook(path)
            converted[Path(f"{docname}.ipynb")] = colab_notebook(notebook, docname, index, config, setup)
            if docname.startswith("notebooks/"):
                converted[Path(STUDENT) / path.name] = colab_notebook(notebook, docname, index, config, setup,
                                                                      student=True)
    except (MystError, ClassroomError) as error:
        raise ColabError(str(error)) from None
    if out.exists():
        shutil.rmtree(out)
    written: dict[str, list[Path]] = {"full": [], STUDENT: []}
    for relative, notebook in converted.items():
        write_notebook(notebook, out / relative)
        written[STUDENT if relative.parts[0] == STUDENT else "full"].append(out / relative)
    (out / "README.md").write_text(README, encoding="utf-8")
    return written


def differences(root: str | Path = ".", folder: str | Path | None = None) -> list[str]:
    """Files where the committed edition differs from a fresh one (empty when in sync)."""
    root = Path(root).resolve()
    folder = Path(folder) if folder is not None else root / ColabConfig.read(root).folder
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "colab"
        build(root, fresh)
        names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        if folder.is_dir():
            names |= {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}
        changed = []
        for name in sorted(names):
            old, new = folder / name, fresh / name
            if not old.is_file():
                changed.append(f"{name}: missing")
            elif not new.is_file():
                changed.append(f"{name}: not generated any more")
            elif not filecmp.cmp(old, new, shallow=False):
                changed.append(f"{name}: out of date")
        return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.classroom.colab", description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=".", help="the repository (holding _config.yml)")
    parser.add_argument("--out", help="where to write (default: repository.path_to_book of _config.yml)")
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            changed = differences(args.root, args.out)
            for line in changed:
                print(line)
            if changed:
                print("the Colab edition is out of date: run `make colab`", file=sys.stderr)
            return 1 if changed else 0
        written = build(args.root, args.out)
    except (ColabError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(written['full'])} notebooks and {len(written[STUDENT])} student notebooks "
          f"to {Path(written['full'][0]).parent.parent if written['full'] else args.out}/")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
