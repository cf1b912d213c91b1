"""Static checks of the appendices and of every cross-reference in the book.

- every myth M1–M36 has a labelled section ``(myth-mN)=`` / ``### MN.`` in ``book/myths.ipynb``;
- every glossary term is used somewhere in the book (rule below);
- every entry of ``book/references.bib`` is cited at least once;
- every ``{ref}``, ``{term}``, ``{cite}`` and ``{doc}`` target used anywhere exists.

The book build (``jupyter-book build -W -n``) also fails on unresolved references; these
tests say *which* reference is wrong without building anything.

**When is a glossary term "used"?**  Either a ``{term}`` role anywhere in the book targets it
(case-insensitive, as Sphinx resolves terms), or its name appears in the prose of a page
other than the glossary: case-insensitive, on word boundaries, hyphens and spaces treated
alike, an optional plural ``s``/``es``.  For a term written ``Name (ABBR)`` the name alone or
the abbreviation alone counts.  Prose means the markdown cells of the notebooks and the
``.md`` pages, outside code blocks.
"""

from __future__ import annotations

import json
import re

import pytest

from bookpaths import ROOT

BOOK = ROOT / "book"
MYTHS_NOTEBOOK = BOOK / "myths.ipynb"
GLOSSARY = BOOK / "glossary.md"
BIBLIOGRAPHY = BOOK / "references.bib"
#: The lead's list of myths, outside the repository (absent on a reader's machine).
MYTHS_REFERENCE = ROOT.parent / "shared" / "reference" / "myths.md"

#: The myths of ../shared/reference/myths.md, committed so the tests run without it.
MYTH_IDS = [f"M{n}" for n in range(1, 37)]

_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
_ROLE = re.compile(r"(?<!`)\{(ref|term|cite(?::\w+)?|doc)\}`([^`]+)`")
_LABEL = re.compile(r"^\(([^()\s]+)\)=\s*$", re.MULTILINE)
_NAME_OPTION = re.compile(r"^\s*:(?:name|label):\s*(\S+)\s*$", re.MULTILINE)


# ------------------------------------------------------------------ reading the book
def _markdown_sources() -> dict[str, str]:
    """Every page's MyST text, keyed by the page's path (without suffix) relative to ROOT.

    ``.md`` pages under ``book/`` whole; notebooks (``book/*.ipynb``, ``notebooks/*.ipynb``):
    their markdown cells joined.
    """
    sources = {}
    for path in sorted(BOOK.glob("*.md")):
        sources[path.relative_to(ROOT).with_suffix("").as_posix()] = path.read_text(encoding="utf-8")
    for path in sorted(BOOK.glob("*.ipynb")) + sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                           for c in cells if c["cell_type"] == "markdown")
        sources[path.relative_to(ROOT).with_suffix("").as_posix()] = text
    return sources


def _without_code_blocks(text: str) -> str:
    """Drop fenced code blocks (```python …```), keep MyST directives (```{note} …```) and their text."""
    kept, stack = [], []  # stack of (fence marker, is a code block)
    for line in text.splitlines():
        match = _FENCE.match(line.strip())
        in_code = any(is_code for _, is_code in stack)
        if match and stack and not match.group(2).strip():
            marker = stack[-1][0]
            if match.group(1)[0] == marker[0] and len(match.group(1)) >= len(marker):
                _, was_code = stack.pop()
                if not was_code:
                    kept.append(line)
                continue
        if match and not in_code:
            is_code = not match.group(2).strip().startswith("{")
            stack.append((match.group(1), is_code))
            if not is_code:
                kept.append(line)
            continue
        if not in_code:
            kept.append(line)
    return "\n".join(kept)


def _roles(kind_prefix: str) -> list[tuple[str, str]]:
    """Every (page, target) of the roles whose name starts with ``kind_prefix``.

    ``{term}`text <Target>``` gives ``Target``; ``{cite:p}`a,b``` gives ``a`` and ``b``.
    """
    found = []
    for page, text in _markdown_sources().items():
        for role, content in _ROLE.findall(_without_code_blocks(text)):
            if not role.startswith(kind_prefix):
                continue
            explicit = re.search(r"<([^<>]+)>\s*$", content)
            target = explicit.group(1) if explicit else content
            targets = target.split(",") if role.startswith("cite") else [target]
            found.extend((page, t.strip()) for t in targets if t.strip())
    return found


def _labels() -> set[str]:
    labels = set()
    for text in _markdown_sources().values():
        labels.update(_LABEL.findall(text))
        labels.update(_NAME_OPTION.findall(text))
    return labels


def glossary_terms() -> list[str]:
    """The terms of the ``{glossary}`` directive in ``book/glossary.md``, in file order."""
    text = GLOSSARY.read_text(encoding="utf-8")
    match = re.search(r"```\{glossary\}[^\n]*\n(.*?)\n```", text, re.DOTALL)
    assert match, "book/glossary.md has no ```{glossary} block"
    return [line.strip() for line in match.group(1).splitlines()
            if line.strip() and not line[0].isspace() and not line.lstrip().startswith(":")]


def bibliography_keys() -> list[str]:
    return re.findall(r"^@\w+\{([^,\s]+),", BIBLIOGRAPHY.read_text(encoding="utf-8"), re.MULTILINE)


# ------------------------------------------------------------------------ myths
def _myth_headings() -> dict[str, str]:
    """{"M1": label that precedes the heading "### M1. …", …} from book/myths.ipynb."""
    cells = json.loads(MYTHS_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    found = {}
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for label, number in re.findall(r"^\((myth-m\d+)\)=\s*\n#+ M(\d+)\. \S", source, re.MULTILINE):
            found[f"M{number}"] = label
    return found


def test_the_committed_myth_list_matches_the_reference_when_present():
    if not MYTHS_REFERENCE.exists():
        pytest.skip(f"{MYTHS_REFERENCE} is not available on this machine")
    listed = re.findall(r"^\*\*(M\d+)\.", MYTHS_REFERENCE.read_text(encoding="utf-8"), re.MULTILINE)
    assert listed == MYTH_IDS, "myths.md numbers its myths differently from MYTH_IDS; update the list"


@pytest.mark.parametrize("myth", MYTH_IDS)
def test_every_myth_has_a_labelled_section(myth):
    headings = _myth_headings()
    assert myth in headings, f"book/myths.ipynb has no section '(myth-{myth.lower()})=' + '### {myth}. …'"
    assert headings[myth] == f"myth-{myth.lower()}", f"{myth}'s heading is preceded by the wrong label {headings[myth]}"


def test_every_myth_section_states_a_correction_and_a_source():
    cells = json.loads(MYTHS_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        match = re.match(r"\((myth-m\d+)\)=", source)
        if cell["cell_type"] == "markdown" and match:
            assert "**Correction.**" in source, f"{match.group(1)} has no **Correction.** paragraph"
            assert "**Source.**" in source, f"{match.group(1)} has no **Source.** paragraph"


# ---------------------------------------------------------------------- glossary
def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[-‐–]", " ", text.lower()))


def _term_names(term: str) -> list[str]:
    """The names under which a term counts as used: the whole term and, for ``Name (ABBR)``, each part.

    ``"Long short-term memory (LSTM)"`` -> ``["long short term memory (lstm)", "long short term memory", "lstm"]``.
    """
    names = [_normalise(term)]
    match = re.fullmatch(r"(.*?)\s*\(([^()]+)\)", term.strip())
    if match:
        names += [_normalise(match.group(1)), _normalise(match.group(2))]
    return names


def unused_glossary_terms() -> list[str]:
    linked = {target.lower() for _, target in _roles("term")}
    prose = _normalise(" ".join(_without_code_blocks(text) for page, text in _markdown_sources().items()
                                if page != "book/glossary"))
    unused = []
    for term in glossary_terms():
        if term.lower() in linked:
            continue
        if any(re.search(rf"(?<!\w){re.escape(name)}(?:s|es)?(?!\w)", prose) for name in _term_names(term)):
            continue
        unused.append(term)
    return unused


def test_glossary_terms_are_unique():
    terms = [t.lower() for t in glossary_terms()]
    assert len(terms) == len(set(terms)), "a glossary term is defined twice"


def test_every_glossary_entry_has_a_chinese_term():
    text = GLOSSARY.read_text(encoding="utf-8")
    body = re.search(r"```\{glossary\}[^\n]*\n(.*?)\n```", text, re.DOTALL).group(1)
    for entry in filter(None, (e.strip("\n") for e in body.split("\n\n"))):
        assert "中文：" in entry, f"glossary entry '{entry.splitlines()[0]}' has no 中文： line"


def test_every_glossary_term_is_used_in_the_book():
    unused = unused_glossary_terms()
    assert not unused, f"glossary terms never linked nor mentioned in the book: {unused}"


# ------------------------------------------------------------------- bibliography
def test_bibliography_keys_are_unique():
    keys = bibliography_keys()
    assert len(keys) == len(set(keys)), "a key is defined twice in book/references.bib"


def test_every_bibliography_entry_is_cited():
    cited = {key for _, key in _roles("cite")}
    uncited = [key for key in bibliography_keys() if key not in cited]
    assert not uncited, f"entries of book/references.bib never cited in the book: {uncited}"


# ------------------------------------------------------------- reference targets
def test_every_cited_key_exists():
    keys = set(bibliography_keys())
    missing = sorted({(page, key) for page, key in _roles("cite") if key not in keys})
    assert not missing, f"citations of keys missing from references.bib: {missing}"


def test_every_term_link_has_a_glossary_entry():
    terms = {t.lower() for t in glossary_terms()}
    missing = sorted({(page, t) for page, t in _roles("term") if t.lower() not in terms})
    assert not missing, f"{{term}} links to terms missing from book/glossary.md: {missing}"


def test_every_ref_target_exists():
    labels = _labels()
    missing = sorted({(page, target) for page, target in _roles("ref") if target not in labels})
    assert not missing, f"{{ref}} targets with no label in the book: {missing}"


def test_every_myth_reference_points_at_a_myth_section():
    myth_labels = {f"myth-{m.lower()}" for m in MYTH_IDS}
    wrong = sorted({(page, target) for page, target in _roles("ref")
                    if target.startswith("myth-") and target not in myth_labels})
    assert not wrong, f"references to myths that do not exist (labels run myth-m1 … myth-m36): {wrong}"


def test_every_doc_target_exists():
    missing = []
    for page, target in _roles("doc"):
        base = ROOT if target.startswith("/") else (ROOT / page).parent
        path = base / target.lstrip("/")
        if not any(path.with_suffix(s).exists() for s in (".md", ".ipynb")):
            missing.append((page, target))
    assert not missing, f"{{doc}} targets that do not exist: {missing}"


def test_the_role_scanner_sees_the_forms_the_book_uses():
    sample = "{term}`LSTM` {term}`gates <Forget gate>` {cite:p}`a, b` `{term}` role {ref}`myth-m8`"
    found = [(r, c) for r, c in _ROLE.findall(sample)]
    assert found == [("term", "LSTM"), ("term", "gates <Forget gate>"), ("cite:p", "a, b"), ("ref", "myth-m8")]
    assert _term_names("Long short-term memory (LSTM)") == ["long short term memory (lstm)",
                                                            "long short term memory", "lstm"]
    assert _without_code_blocks("a\n```python\n{term}`X`\n```\n```{note}\nb\n```") == "a\n```{note}\nb\n```"
