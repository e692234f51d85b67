"""Text to IR: ``read`` and ``parse`` for every input syntax."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import cast

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from linc.errors import ConfigError, ParseError
from linc.ir import Const, ForAll, Formula, Var, atoms_terms
from linc.parsers.build import Builder, BuildError, bind
from linc.parsers.grammar import OPERATOR_CHARS, display_names, lark_parser

SYNTAXES = ("auto", "nltk", "nltk-strict", "unicode", "lean")
"""Input syntaxes ``read`` accepts."""

_CLOSABLE = re.compile(r"[u-z]\Z")
_EXTENSION_CHARS = re.compile(f"[{re.escape(OPERATOR_CHARS)}]")
_UNICODE_LOGIC = frozenset("∀∃¬∧∨→↔⊕≠⊤⊥")
_LEAN_BINDER = re.compile(
    r"[∀∃][ \t]*\(?[ \t]*[^\s,()∀∃¬:]+(?:[ \t]+[^\s,()∀∃¬:]+)*[ \t]*(?::[^,()∀∃]*)?\)?[ \t]*,"
)
_LEAN_APPLICATION = re.compile(r"(?<![\w'])[A-Za-z_][\w']*[ \t]+[A-Za-z_(«][\w'»]*")
_LEAN_WORDS = re.compile(r"\b(?:True|False)\b|Xor'|«")
_CALL = re.compile(r"[\w'’$+»]\(")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters (Unicode ``Cc``) but tab, line feed and carriage return."""
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
"""Format characters (Unicode ``Cf``: zero-width space and joiners, BOM, soft hyphen,
direction marks): they show nothing, yet make a name another symbol."""
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
"""Space and line separators other than the ASCII space (``Zs``, ``Zl``, ``Zp``)."""


@dataclass(frozen=True, slots=True)
class Repair:
    """One edit ``read(..., repair=True)`` made so that the text parses.

    ``position`` is a 0-based character offset into the text as it stood
    when the edit was made (edits are made left to right, so earlier edits
    can shift later offsets by a few characters).
    """

    kind: str
    position: int
    detail: str


@dataclass(frozen=True, slots=True)
class Parsed:
    """The result of ``read``: the formula and how it was read."""

    formula: Formula
    syntax: str
    """The syntax actually used (never ``"auto"``)."""
    repairs: tuple[Repair, ...] = ()
    closed: tuple[str, ...] = ()
    """Free variables (single letters u–z, unicode syntax) that were
    universally closed, outermost first."""


def read(text: str | bytes, *, syntax: str = "auto", repair: bool = False) -> Parsed:
    """Parse one formula written in ``syntax``.

    ``syntax`` is ``"nltk"`` (LINC's prompt syntax), ``"nltk-strict"``
    (exactly what NLTK's ``Expression.fromstring`` reads), ``"unicode"``
    (FOLIO / Logic-LM), ``"lean"`` (Lean 4 propositions) or ``"auto"``
    (decide from the text; ``Parsed.syntax`` says which). With ``repair``,
    text that does not parse gets the minimal edits listed in
    ``linc.parsers.repair`` and each edit is recorded in ``Parsed.repairs``.

    ``text`` may be UTF-8 bytes (invalid UTF-8 is a ``ParseError`` at the
    first bad byte). Raises ``linc.ParseError`` (with line, column and what was
    expected) and nothing else for any string or bytes input.
    """
    if syntax not in SYNTAXES:
        raise ConfigError(f"unknown syntax {syntax!r}; choose one of {', '.join(SYNTAXES)}")
    text, normalised = checked_characters(_as_text(text), repair=repair)
    candidates = _candidates(text) if syntax == "auto" else (syntax,)
    first_error: ParseError | None = None
    for candidate in candidates:
        try:
            parsed = _read_one(text, candidate)
        except ParseError as exc:
            first_error = first_error or exc
        else:
            return replace(parsed, repairs=tuple(normalised)) if normalised else parsed
    if repair:
        from linc.parsers.repair import repaired_readings

        for candidate in candidates:
            for fixed, repairs in repaired_readings(text, candidate):
                try:
                    parsed = _read_one(fixed, candidate)
                except ParseError:
                    continue
                return Parsed(parsed.formula, parsed.syntax, (*normalised, *repairs), parsed.closed)
    assert first_error is not None
    raise first_error


def parse(text: str | bytes, *, syntax: str = "auto", repair: bool = False) -> Formula:
    """``read(text, ...).formula``."""
    return read(text, syntax=syntax, repair=repair).formula


# ------------------------------------------------------------------ helpers


def _as_text(text: object) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"input is not UTF-8 text ({exc.reason})",
                text=bytes(text).decode("utf-8", "replace"),
                line=1,
                column=exc.start + 1,
            ) from None
    raise ParseError(f"expected text, got {type(text).__name__}", text="", line=1, column=1)


def checked_characters(text: str, *, repair: bool) -> tuple[str, list[Repair]]:
    """``text`` fit to read, and the repairs that made it so.

    A control character (NUL, ESC, DEL, …; tab and line breaks aside) is a
    ``ParseError`` at its line and column, repair or not. A character that
    shows nothing but makes a name another symbol (zero-width space or
    joiner, BOM, soft hyphen, direction mark, no-break or other non-ASCII
    space) is one too, unless ``repair``: then format characters are dropped,
    unusual spaces become ASCII spaces, the text is NFKC-normalised (full-width
    letters, ligatures) and each of these edits is a ``Repair``.
    """
    found = _CONTROL.search(text)
    if found is not None:
        raise _character_error(text, found.start(), "control character")
    if text.isascii():
        return text, []
    if not repair:
        hits = [m.start() for m in (_INVISIBLE.search(text), _SPACES.search(text)) if m]
        if hits:
            pos = min(hits)
            what = "invisible character" if _INVISIBLE.match(text, pos) else "unusual space"
            raise _character_error(text, pos, what, hint="; read with repair to normalise it")
        return text, []
    return _normalised(text)


def _normalised(text: str) -> tuple[str, list[Repair]]:
    repairs: list[Repair] = []
    hidden = list(_INVISIBLE.finditer(text))
    if hidden:
        shown = sorted({_code_point(m.group()) for m in hidden})
        detail = f"dropped {len(hidden)} invisible character(s): {', '.join(shown[:4])}"
        repairs.append(Repair("invisible-character", hidden[0].start(), detail))
        text = _INVISIBLE.sub("", text)
    spaces = list(_SPACES.finditer(text))
    if spaces:
        shown = sorted({_code_point(m.group()) for m in spaces})
        detail = f"read {len(spaces)} unusual space(s) as ' ': {', '.join(shown[:4])}"
        repairs.append(Repair("unusual-space", spaces[0].start(), detail))
        text = _SPACES.sub(" ", text)
    if not unicodedata.is_normalized("NFKC", text):
        normal = unicodedata.normalize("NFKC", text)
        pos = next((i for i, (a, b) in enumerate(zip(text, normal)) if a != b), len(text))
        changed = sorted(
            {
                f"{c!r}→{unicodedata.normalize('NFKC', c)!r}"
                for c in text
                if c != unicodedata.normalize("NFKC", c)
            }
        )
        detail = f"NFKC-normalised {', '.join(changed[:4]) or 'combining sequences'}"
        repairs.append(Repair("nfkc", pos, detail))
        text = normal
    return text, repairs


def _code_point(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


def _character_error(text: str, pos: int, what: str, *, hint: str = "") -> ParseError:
    """The error for the character at ``pos``; control characters are shown as U+FFFD,
    so the message never carries one raw (the columns stay the same)."""
    shown = _CONTROL.sub("\ufffd", text)
    message = f"{what} {_code_point(text[pos])} in the formula{hint}"
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return ParseError(message, text=shown, line=line, column=column)


def _candidates(text: str) -> tuple[str, ...]:
    """Syntaxes to try for ``auto``, the most plausible first.

    Call syntax ``Name(`` rules Lean out; a Lean binder (``∀ x,``) or
    application by juxtaposition puts Lean first; Unicode connectives put
    ``unicode`` before ``nltk``.
    """
    calls = _CALL.search(text) is not None
    if not calls and (
        _LEAN_BINDER.search(text) or _LEAN_APPLICATION.search(text) or _LEAN_WORDS.search(text)
    ):
        return ("lean", "unicode", "nltk")
    order: tuple[str, ...] = (
        ("unicode", "nltk") if any(ch in _UNICODE_LOGIC for ch in text) else ("nltk", "unicode")
    )
    return order if calls else (*order, "lean")


def _read_one(text: str, syntax: str) -> Parsed:
    if not text or text.isspace():
        raise ParseError("empty formula", text=text, line=1, column=1, expected=("a formula",))
    if syntax == "nltk":
        # exactly NLTK's reading wherever NLTK reads the text, our extensions
        # only where it does not (text with ~ ¬ or Unicode connectives cannot
        # lex in NLTK's grammar, so it goes to the extended one at once)
        core: Exception | None = None
        if _EXTENSION_CHARS.search(text) is None:
            try:
                return Parsed(_parse("nltk-core", text), "nltk")
            except (BuildError, UnexpectedInput) as exc:
                core = exc
        try:
            return Parsed(_run("nltk-extended", text), "nltk")
        except ParseError as extended_error:
            if core is None:
                raise
            raise _further(_as_parse_error(text, core, "nltk-core"), extended_error) from None
    if syntax == "unicode":
        formula, closed = close_free_variables(_run("unicode", text))
        return Parsed(formula, "unicode", closed=closed)
    return Parsed(_run(syntax, text), syntax)


def _further(a: ParseError, b: ParseError) -> ParseError:
    """The error that got further into the text (ties go to ``b``)."""
    return a if (a.line, a.column) > (b.line, b.column) else b


def _run(grammar: str, text: str) -> Formula:
    try:
        return _parse(grammar, text)
    except (BuildError, UnexpectedInput) as exc:
        raise _as_parse_error(text, exc, grammar) from None


def _parse(grammar: str, text: str) -> Formula:
    # the builder's callbacks run as the parser reduces, so the result is
    # what the start rule's callback returns (a whole formula, or for the
    # NLTK grammars possibly a bare atom), not the lark ``Tree`` its stubs declare
    return Builder.formula(lark_parser(grammar).parse(text))


def _as_parse_error(text: str, exc: Exception, grammar: str) -> ParseError:
    if isinstance(exc, BuildError):
        token = exc.token
        pos = token.start_pos if token is not None and token.start_pos is not None else 0
        return _error_at(text, pos, exc.message)
    assert isinstance(exc, UnexpectedInput)
    return _lark_error(text, exc, grammar)


def _lark_error(text: str, exc: UnexpectedInput, grammar: str) -> ParseError:
    names = display_names(grammar)

    def shown(expected: Callable[[], Iterable[str]] | Iterable[str] | None) -> tuple[str, ...]:
        items = expected() if callable(expected) else (expected or set())
        return tuple(sorted({names.get(t, t) for t in items}))

    if isinstance(exc, UnexpectedCharacters):
        # lark declares ``pos_in_stream = None`` on the base class; the lexer
        # error always sets it to the offset of the bad character
        pos = cast(int, exc.pos_in_stream)
        char = text[pos] if pos < len(text) else ""
        return _error_at(text, pos, f"unexpected character {char!r}", shown(exc.allowed))
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        # nothing expected: the parser stands in its final state (a whole
        # formula read as the start rule), where only the end of input fits
        expected = shown(exc.expected) or (names["$END"],)
        if token.type == "$END":
            return _error_at(text, len(text.rstrip()), "unexpected end of formula", expected)
        value = str(token.value)
        pos = (token.start_pos or 0) + len(value) - len(value.lstrip())  # operators carry spaces
        return _error_at(text, pos, f"unexpected {value.strip()!r}", expected)
    if isinstance(exc, UnexpectedEOF):  # pragma: no cover - LALR reports $END tokens
        return _error_at(text, len(text.rstrip()), "unexpected end of formula", shown(exc.expected))
    return _error_at(text, getattr(exc, "pos_in_stream", 0) or 0, str(exc))  # pragma: no cover


def _error_at(text: str, pos: int, message: str, expected: tuple[str, ...] = ()) -> ParseError:
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return ParseError(message, text=text, line=line, column=column, expected=expected)


def close_free_variables(formula: Formula) -> tuple[Formula, tuple[str, ...]]:
    """Universally close the free single-letter names ``u``–``z``.

    Used for the unicode syntax, where Logic-LM writes ``Perform(x) → …``
    and means every ``x``. Returns the closed formula and the names closed.
    """
    free = sorted(
        {t.name for t in atoms_terms(formula) if type(t) is Const and _CLOSABLE.match(t.name)}
    )
    for name in reversed(free):
        formula = ForAll(Var(name), bind(formula, name))
    return formula, tuple(free)
