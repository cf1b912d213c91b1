"""MyST Markdown to the plain Markdown that Colab renders (CommonMark, LaTeX, a little HTML).

Colab does not know MyST: ``{term}``, ``{cite:p}``, ``{ref}`` roles and ```` ```{admonition} ````
directives show as raw text there, and links to other repository files are dead.
:func:`to_markdown` rewrites one markdown cell:

- glossary terms, ``{ref}``/``{numref}``/``{doc}`` cross-references and relative links to book
  pages become links into the published HTML book (:class:`BookIndex` knows its pages,
  labels, glossary and bibliography, read from the book's sources);
- ``{cite:t}`` becomes "Author (Year)", ``{cite:p}`` "(Author, Year)", linked to the bibliography
  page (authors and years read from ``references.bib`` by :func:`read_bibtex`);
- admonitions become quoted blocks with a bold title, ``{math}`` display math, ``{glue}`` a named
  value; label lines ``(name)=`` and MyST comments are dropped;
- text inside code spans and fenced code blocks is left exactly as it is.

An unknown role or directive, or a reference that resolves to nothing, raises
:class:`MystError` naming the notebook and the cell, so nothing raw is ever left behind.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass, field


class MystError(ValueError):
    """A MyST construct that cannot be converted; the message says where and why."""


# ------------------------------------------------------------------ BibTeX

_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
            ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "r": "\u030a"}
_ACCENT = re.compile(r"\{?\\([\"'`^~=.])\s*\{?\\?([A-Za-z])\}?\}?|\{?\\([cvuHr])\s*\{\\?([A-Za-z])\}\}?")


def latex_to_text(text: str) -> str:
    """Plain Unicode for a BibTeX field: accents such as ``{\\"u}`` resolved, braces removed."""
    def accent(match: re.Match) -> str:
        command, letter = (match[1], match[2]) if match[1] else (match[3], match[4])
        return unicodedata.normalize("NFC", letter + _ACCENTS[command])

    text = _ACCENT.sub(accent, text)
    text = re.sub(r"\\url\{([^}]*)\}", r"\1", text)
    return " ".join(text.replace("{", "").replace("}", "").replace("--", "–").split())


def _balanced(text: str, start: int) -> int:
    """Index just past the brace group opening at ``text[start] == '{'``."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    raise MystError(f"unbalanced braces in BibTeX from offset {start}")


def read_bibtex(text: str) -> dict[str, dict[str, str]]:
    """Entries of a BibTeX file: ``{key: {field: raw value}}`` (field names lower-case)."""
    entries: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"^@(\w+)\s*\{\s*([^,\s]+)\s*,", text, re.M):
        if match[1].lower() in {"comment", "preamble", "string"}:
            continue
        position, fields = match.end(), {}
        while True:
            found = re.compile(r"\s*(\w+)\s*=\s*").match(text, position)
            if found is None:
                break
            position = found.end()
            if text[position] == "{":
                end = _balanced(text, position)
                value = text[position + 1:end - 1]
            elif text[position] == '"':
                end = text.index('"', position + 1) + 1
                value = text[position + 1:end - 1]
            else:
                end = re.compile(r"[^,}\s]+").match(text, position).end()
                value = text[position:end]
            fields[found[1].lower()] = value
            position = re.compile(r"\s*,?").match(text, end).end()
        entries[match[2]] = fields
    return entries


def _last_name(name: str) -> str:
    name = name.strip()
    if name.startswith("{") and name.endswith("}"):  # {Stanford CS231n course staff}: one corporate name
        return latex_to_text(name)
    if "," in name:
        return latex_to_text(name.split(",", 1)[0])
    words = name.split()
    return latex_to_text(words[-1]) if words else ""


def split_authors(field: str) -> list[str]:
    """Last names of a BibTeX author list (``and`` at brace depth 0 separates names)."""
    names, depth, current = [], 0, ""
    for token in re.split(r"(\{|\}|\s+and\s+)", field):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", token or ""):
            names.append(current)
            current = ""
        else:
            current += token or ""
    names.append(current)
    return [_last_name(name) for name in names if name.strip()]


def author_year(entry: dict[str, str]) -> tuple[str, str]:
    """("Hochreiter and Schmidhuber", "1997") as sphinxcontrib-bibtex's author_year style writes them."""
    names = split_authors(entry.get("author") or entry.get("editor") or "")
    if not names:
        who = latex_to_text(entry.get("title", "Anonymous"))
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2 and names[1] != "others":
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return who, latex_to_text(entry.get("year", "n.d."))


# --------------------------------------------------------------- the book

_LABEL = re.compile(r"^\((?P<label>[^()\s]+)\)=[ \t]*$", re.M)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>.+?)[ \t]*#*[ \t]*$")
_NON_ID = re.compile(r"[^a-zA-Z0-9._]+")
_ID_ENDS = re.compile(r"^[-0-9._]+|-+$")
_DIGRAPHS = str.maketrans({"ß": "sz", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ħ": "h", "ł": "l", "þ": "th"})


def sphinx_id(text: str) -> str:
    """The HTML id Sphinx gives a target named ``text`` (its ``_make_id``: case kept, ASCII only)."""
    text = unicodedata.normalize("NFKD", text.translate(_DIGRAPHS)).encode("ascii", "ignore").decode("ascii")
    return _ID_ENDS.sub("", _NON_ID.sub("-", " ".join(text.split())))


@dataclass
class BookIndex:
    """What the HTML book publishes: pages, section labels, glossary terms, bibliography."""

    base_url: str  # the published HTML book, ending with "/"
    titles: dict[str, str] = field(default_factory=dict)  # docname -> page title
    labels: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # label -> (docname, title)
    terms: dict[str, str] = field(default_factory=dict)  # lower-case term -> HTML id
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (authors, year)
    bibliography: str = "book/bibliography"  # docname of the page with the reference list
    glossary: str = "book/glossary"
    repository_file_url: str = ""  # e.g. https://github.com/org/repo/blob/<ref>/ (for non-book files)

    def page_url(self, docname: str, anchor: str = "") -> str:
        return f"{self.base_url}{docname}.html" + (f"#{anchor}" if anchor else "")

    def add_document(self, docname: str, markdown: str) -> None:
        """Register a page (its markdown, all cells joined): title and labels."""
        lines = markdown.split("\n")
        for number, line in enumerate(lines):
            heading = _HEADING.match(line)
            if heading and docname not in self.titles and len(heading["hashes"]) == 1:
                self.titles[docname] = heading["title"]
            label = _LABEL.match(line)
            if label:
                following = next((text for text in lines[number + 1:] if text.strip()), "")
                title = _HEADING.match(following)
                self.labels[label["label"]] = (docname, title["title"] if title else None)

    def add_glossary(self, markdown: str) -> None:
        """Register the terms of the page's ``{glossary}`` directive (unindented lines are terms)."""
        block = re.search(r"^(`{3,}|:{3,})\{glossary\}[^\n]*\n(?P<body>.*?)^\1[ \t]*$", markdown, re.M | re.S)
        if block is None:
            raise MystError(f"{self.glossary}: no {{glossary}} directive found")
        for line in block["body"].split("\n"):
            if line.strip() and not line[0].isspace() and not line.startswith(":"):
                self.terms.setdefault(line.strip().lower(), sphinx_id("term-" + line.strip()))

    @classmethod
    def from_sources(cls, base_url: str, documents: dict[str, str], bibtex: str,
                     repository_file_url: str = "") -> BookIndex:
        """An index of ``documents`` (docname -> markdown) and a BibTeX file's text."""
        index = cls(base_url=base_url.rstrip("/") + "/", repository_file_url=repository_file_url)
        for docname, markdown in documents.items():
            index.add_document(docname, markdown)
        if index.glossary in documents:
            index.add_glossary(documents[index.glossary])
        index.citations = {key: author_year(entry) for key, entry in read_bibtex(bibtex).items()}
        return index


# ------------------------------------------------------------- converting

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})[ \t]*(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.-]+)\}[ \t]*(?P<argument>.*)$")
_INLINE = re.compile(r"\{(?P<role>[a-zA-Z][\w:+.-]*)\}`(?P<content>[^`]*)`"
                     r"|(?P<ticks>`+)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)"
                     r"|(?<!\\)\]\((?P<target>[^()\s]+)(?P<title>\s+\"[^\"]*\")?\)", re.S)
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_ADMONITIONS = ("attention", "caution", "danger", "error", "hint", "important", "note", "seealso", "tip",
                "warning")
_OPTION = re.compile(r"^:[\w-]+:")


@dataclass
class Converter:
    """Converts the markdown cells of one book page (``docname``) against a :class:`BookIndex`."""

    index: BookIndex
    docname: str  # e.g. "notebooks/03_lstm": relative links and {doc} targets start from its folder
    where: str = ""  # how errors name the cell, e.g. "03_lstm.ipynb, cell 4"

    def fail(self, message: str) -> MystError:
        return MystError(f"{self.where or self.docname}: {message}")

    # ---- roles
    def _split(self, content: str) -> tuple[str | None, str]:
        explicit = _EXPLICIT.match(content)
        return (explicit["text"], explicit["target"].strip()) if explicit else (None, content.strip())

    def _doc(self, target: str) -> str:
        target = target.removesuffix(".md").removesuffix(".ipynb")
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), target))

    def _cite(self, role: str, content: str) -> str:
        keys = [key.strip() for key in content.split(",") if key.strip()]
        missing = [key for key in keys if key not in self.index.citations]
        if missing:
            raise self.fail(f"{{{role}}} cites {missing}, not in the bibliography")
        url = self.index.page_url(self.index.bibliography)
        pairs = [self.index.citations[key] for key in keys]
        if role in {"cite:t", "cite:ts", "cite:ct"}:
            return ", ".join(f"[{who} ({year})]({url})" for who, year in pairs)
        if role == "cite:year":
            return ", ".join(f"[{year}]({url})" for _, year in pairs)
        if role == "cite:author":
            return ", ".join(f"[{who}]({url})" for who, _ in pairs)
        return "(" + "; ".join(f"[{who}, {year}]({url})" for who, year in pairs) + ")"

    def role(self, role: str, content: str) -> str:
        """The Markdown for one role."""
        text, target = self._split(content)
        if role == "term":
            anchor = self.index.terms.get(target.lower())
            if anchor is None:
                raise self.fail(f"{{term}}`{content}`: {target!r} is not in the glossary")
            return f"[{text or target}]({self.index.page_url(self.index.glossary, anchor)})"
        if role in {"ref", "numref"}:
            if target not in self.index.labels:
                raise self.fail(f"{{{role}}}`{content}`: no label ({target})= in the book")
            docname, title = self.index.labels[target]
            if text is None and title is None:
                raise self.fail(f"{{{role}}}`{content}`: the label is not on a heading; give the link text")
            return f"[{text or title}]({self.index.page_url(docname, target)})"
        if role == "doc":
            docname = self._doc(target)
            if docname not in self.index.titles:
                raise self.fail(f"{{doc}}`{content}`: {docname} is not a page of the book")
            return f"[{text or self.index.titles[docname]}]({self.index.page_url(docname)})"
        if role.startswith("cite"):
            return self._cite(role, content)
        if role == "math":
            return f"${content}$"
        if role in {"glue", "glue:", "glue:text", "glue:md"}:
            return f"`{content.split(':')[0]}` (the value computed above)"
        if role in {"sub", "sup"}:
            return f"<{role}>{content}</{role}>"
        if role == "kbd":
            return f"<kbd>{content}</kbd>"
        if role in {"abbr", "guilabel", "menuselection", "code", "samp", "file", "command", "program"}:
            plain = re.sub(r"\s*\([^)]*\)$", "", content) if role == "abbr" else content
            return plain if role in {"abbr", "guilabel", "menuselection"} else f"`{plain}`"
        raise self.fail(f"the role {{{role}}} has no Colab conversion; add one to lstm_edu.classroom.myst_markdown")

    def link(self, target: str) -> str:
        """A Markdown link target, made absolute when it points at another file of the repository."""
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^#|^/", target):
            return target
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), path))
        docname = resolved.removesuffix(".md").removesuffix(".ipynb")
        if docname in self.index.titles:
            return self.index.page_url(docname, anchor)
        if resolved.startswith("../") or not self.index.repository_file_url:
            raise self.fail(f"the link ({target}) points outside the book and the repository")
        base = self.index.repository_file_url  # GitHub's page for text, the raw file for images and data
        if not resolved.endswith((".md", ".ipynb", ".py", ".txt", ".toml", ".yml", ".cfg")):
            base = base.replace("/blob/", "/raw/", 1)
        return f"{base}{resolved}" + (f"#{anchor}" if anchor else "")

    def inline(self, text: str) -> str:
        """Roles and links in running text; code spans are copied unchanged."""
        def replace(match: re.Match) -> str:
            if match["role"]:
                return self.role(match["role"], match["content"])
            if match["code"] is not None:
                return match[0]
            return f"]({self.link(match['target'])}{match['title'] or ''})"

        return _INLINE.sub(replace, text)

    # ---- blocks
    def directive(self, name: str, argument: str, body: list[str]) -> list[str]:
        """The Markdown lines for one directive (its body already split into lines)."""
        options = []
        while body and _OPTION.match(body[0]):
            options.append(body.pop(0))
        if name == "admonition" or name in _ADMONITIONS:
            title = argument.strip() if name == "admonition" else name.capitalize().replace("also", " also")
            if name != "admonition" and argument.strip():
                body = [argument.strip(), *body]
            if not title:
                raise self.fail("an {admonition} needs a title")
            inner = self.blocks(body)
            while inner and not inner[-1].strip():
                inner.pop()
            return [f"> **{self.inline(title)}**", ">", *[f"> {line}".rstrip() for line in inner]]
        if name == "dropdown":
            inner = self.blocks(body)
            return [f"> **{self.inline(argument.strip() or 'Details')}**", ">", *[f"> {line}".rstrip() for line in inner]]
        if name == "math":
            return ["$$", *body, "$$"]
        if name in {"code-block", "code", "sourcecode"}:
            return [f"```{argument.strip()}", *body, "```"]
        if name.startswith("glue"):
            return [f"*(`{argument.strip()}`: shown by the cell that computes it)*"]
        if name in {"epigraph", "pull-quote", "highlights", "margin", "sidebar", "topic"}:
            inner = self.blocks(body)
            head = [f"> **{self.inline(argument.strip())}**", ">"] if argument.strip() else []
            return head + [f"> {line}".rstrip() for line in inner]
        raise self.fail(f"the directive {{{name}}} has no Colab conversion; add one to "
                        "lstm_edu.classroom.myst_markdown")

    def blocks(self, lines: list[str]) -> list[str]:
        """Convert a list of lines: fenced blocks, directives, labels, comments, then running text."""
        out: list[str] = []
        paragraph: list[str] = []

        def flush() -> None:
            if paragraph:
                out.extend(self.inline("\n".join(paragraph)).split("\n"))
                paragraph.clear()

        position = 0
        while position < len(lines):
            line = lines[position]
            fence = _FENCE.match(line)
            if fence:
                flush()
                marker = fence["fence"]
                close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
                end = next((k for k in range(position + 1, len(lines)) if close.match(lines[k])), None)
                if end is None:
                    raise self.fail(f"the block opened by {line.strip()!r} is never closed")
                body = lines[position + 1:end]
                directive = _DIRECTIVE.match(fence["info"].strip())
                if directive:
                    out.extend(self.directive(directive["name"], directive["argument"], list(body)))
                elif marker[0] == ":":
                    raise self.fail(f"{line.strip()!r} opens a colon fence without a directive")
                else:
                    out.extend(lines[position:end + 1])  # a code block: verbatim
                position = end + 1
                continue
            if _LABEL.match(line) or line.startswith("% ") or line.strip() in {"%", "+++"}:
                flush()
                position += 1
                continue
            if not line.strip():
                flush()
                out.append(line)
            else:
                paragraph.append(line)
            position += 1
        flush()
        return out

    def convert(self, markdown: str) -> str:
        """One markdown cell, converted."""
        text = "\n".join(self.blocks(markdown.split("\n")))
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def to_markdown(markdown: str, index: BookIndex, docname: str, where: str = "") -> str:
    """A MyST markdown cell of page ``docname`` as plain Markdown (see the module docstring)."""
    return Converter(index, docname, where).convert(markdown)


def leftovers(markdown: str) -> list[str]:
    """MyST roles or directives still present in ``markdown`` outside code spans and code blocks."""
    found, in_code, fence = [], False, ""
    for line in markdown.split("\n"):
        opening = _FENCE.match(line)
        if in_code:
            if opening and opening["fence"][0] == fence[0] and len(opening["fence"]) >= len(fence) \
                    and not opening["info"].strip():
                in_code = False
            continue
        if opening and not opening["info"].strip().startswith("{"):
            in_code, fence = True, opening["fence"]
            continue
        if opening:  # a directive fence
            found.append(line.strip()[:len(opening["fence"]) + 1])
            continue
        # roles first, then code spans, left to right: the way the converter itself reads a line
        found += [f"{{{match['role']}}}`" for match in _INLINE.finditer(line) if match["role"]]
    return found


__all__ = ["BookIndex", "Converter", "MystError", "author_year", "latex_to_text", "leftovers", "read_bibtex",
           "sphinx_id", "split_authors", "to_markdown"]

