"""The names a problem's own words allow: predicates from content words, constants from names.

``vocabulary(sentences)`` reads each sentence once and gives, per sentence,
the predicate names its content words make (CamelCase, one word or two
adjacent words, singular and plural folded to one name) and, for the whole
problem, the constants its proper names and ``the X`` noun phrases make.
``linc.parsers.gbnf`` turns these into a per-problem grammar, so a tiny model
cannot invent a predicate the text never mentions.

Folding: a word's singular is a form that also occurs in the problem when one
does (``houses``/``house``, ``wumpuses``/``wumpus``), else the usual English
rule (``-ies`` → ``-y``, ``-ches``/``-shes``/``-sses``/``-xes``/``-uses`` → drop
``es``, otherwise drop a final ``s`` unless the word ends in ``ss``/``us``/``is``).
Verbs fold the same way (``eats``/``eat`` → ``Eat``), which is what keeps a
conclusion's predicate equal to its premise's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

STOPWORDS = frozenset(
    """
    a an the all every each no none some any both either neither nor or and not
    is are was were be been being am do does did dont doesnt isnt arent can cannot cant wont
    will would should must may might shall could has have had if then than that which
    who whom whose what when where while whether it its they them their he him his she
    her hers we us our you your i me my this these those there here something someone
    somebody everything everyone everybody anything anyone anybody nothing nobody
    thing things people person one ones to of in on at by for with from as so also
    only too very more most less least but because although though into onto about
    after before over under between among same other another such true false
    """.split()
)
"""Words that never name a predicate (quantifiers, connectives, auxiliaries, pronouns)."""

_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
MAX_NAME = 40


PRONOUNS = frozenset("he she it they him her them his its their himself herself itself".split())
NEGATION_CUES = frozenset(
    "not no never none nobody nothing neither nor without unless either except cannot "
    "false fails lacks doesnt dont isnt arent wasnt werent wont cant".split()
)
"""Words that license a negation sign (``either`` for exclusive or, written ``-(A <-> B)``)."""
NEGATED_CUES = NEGATION_CUES - frozenset("either unless without except false fails lacks".split())
"""Words that make a negation sign necessary (``No cats bark``, ``Tom is not a cat``)."""
DISJUNCTION_CUES = frozenset("or either unless neither nor".split())
BICONDITIONAL_CUES = frozenset("either iff only exactly just".split())
QUANTIFIER_CUES = frozenset(
    "all every each some any no none nobody nothing something someone somebody everything "
    "everyone everybody anything anyone anybody".split()
)
"""Words that need a quantifier in the formula."""
GENERAL_CUES = QUANTIFIER_CUES | frozenset(
    "thing things people who whom whose which that whoever whatever those these they them "
    "their".split()
)
"""Words that make a sentence general (it needs a variable): quantifiers, relatives, plurals."""
_INDEFINITES = frozenset("something someone somebody anything anyone anybody a an".split())
"""In a conditional these mean every (``If something is red then it is big``)."""
_COPULAS = frozenset("is are was were be been being not".split())


@dataclass(frozen=True)
class Vocabulary:
    """Per sentence (in order): predicate names, constants and the operators its words license.

    ``constants`` are the problem's; a sentence may name only its own
    (``line_constants``), or all of them when it holds a pronoun.
    """

    predicates: tuple[tuple[str, ...], ...]
    constants: tuple[str, ...]
    line_constants: tuple[tuple[str, ...], ...] = ()
    groups: tuple[int, ...] = ()  # runs of adjacent content words (noun and verb phrases)
    words: tuple[int, ...] = ()  # content words (one: the formula is one atom)
    lead: tuple[tuple[str, ...], ...] = ()  # names of the first run, when word order is logic order
    tail: tuple[tuple[str, ...], ...] = ()  # names of the last run (some atom must use one)
    negation: tuple[bool, ...] = ()
    negated: tuple[bool, ...] = ()
    disjunction: tuple[bool, ...] = ()
    biconditional: tuple[bool, ...] = ()
    named: tuple[tuple[str, ...], ...] = ()  # the constants the sentence itself names
    ground: tuple[bool, ...] = ()  # about named individuals only: no variable, no quantifier
    quantifier: tuple[bool, ...] = ()  # says all, some, no, everyone ...: a quantifier leads
    conditional: tuple[bool, ...] = ()  # "if something ... then it ...": universal only
    universal: tuple[bool, ...] = ()  # opens with all/every/each/no: "all x. (A(x) -> ...)"
    existential: tuple[bool, ...] = ()  # opens with some: "exists x. (A(x) & ...)"

    @property
    def all_predicates(self) -> tuple[str, ...]:
        """Every sentence's predicate names, once each, in order of appearance."""
        seen: dict[str, None] = {}
        for names in self.predicates:
            seen.update(dict.fromkeys(names))
        return tuple(seen)


def words(sentence: str) -> list[str]:
    """The words of ``sentence`` as written (hyphenated words split; possessive 's and
    apostrophes dropped: ``doesn't`` → ``doesnt``)."""
    out = []
    for word in _WORD.findall(sentence):
        word = re.sub(r"'s$", "", word).replace("'", "")
        if word:
            out.append(word)
    return out


def camel(parts: Sequence[str]) -> str:
    """``["warm", "blooded"]`` → ``WarmBlooded``."""
    return "".join(p[:1].upper() + p[1:].lower() for p in parts)[:MAX_NAME]


def singular(word: str, known: frozenset[str] = frozenset()) -> str:
    """``word`` (lower case) folded to its singular (see the module doc)."""
    w = word.lower()
    if len(w) <= 3 or not w.endswith("s"):
        return w
    candidates = [w[:-1], w[:-2], w[:-3] + "y"] if w.endswith("ies") else [w[:-1], w[:-2]]
    for candidate in candidates:
        if candidate in known and len(candidate) >= 2:
            return candidate
    if w.endswith("ies"):
        return w[:-3] + "y"
    if re.search(r"(ches|shes|sses|xes|zes|uses)$", w):
        return w[:-2]
    if re.search(r"(ss|us|is)$", w):
        return w
    return w[:-1]


def _is_content(word: str) -> bool:
    return word.lower() not in STOPWORDS and len(word) > 1


_PLURAL_VERBS = frozenset({"are", "were", "do", "dont", "have", "can", "cannot"})


def _constants(tokens: list[str], lower_seen: frozenset[str]) -> dict[int, str]:
    """Proper names (runs of capitalised words) and ``the X`` nouns, by their token positions.

    A capitalised word that opens the sentence is a common noun, not a name,
    when it also occurs in lower case (singular or plural) or a plural verb
    follows it (``Cats are ...``, ``Jompuses are ...``).
    """
    out: dict[int, str] = {}
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word[:1].isupper() and _is_content(word):
            start = i
            while (
                i + 1 < len(tokens) and tokens[i + 1][:1].isupper() and _is_content(tokens[i + 1])
            ):
                i += 1
            run = tokens[start : i + 1]
            follower = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
            common = (
                start == 0
                and len(run) == 1
                and (
                    word.lower() in lower_seen
                    or singular(word, lower_seen) in lower_seen
                    or follower in _PLURAL_VERBS
                )
            )
            if not common:
                for j in range(start, i + 1):
                    out[j] = camel(run)
        elif word.lower() == "the" and i + 1 < len(tokens) and _is_content(tokens[i + 1]):
            head = tokens[i + 1]
            if not head[:1].isupper():
                nxt = tokens[i + 2] if i + 2 < len(tokens) else ""
                if nxt and _is_content(nxt) and nxt[:1].islower() and not nxt.endswith("s"):
                    out[i + 1] = out[i + 2] = camel([head, nxt])  # "the bald eagle"
                    i += 2
                else:
                    out[i + 1] = camel([singular(head, lower_seen)])
                    i += 1
        i += 1
    return out


def vocabulary(sentences: Sequence[str]) -> Vocabulary:
    """The predicate names of each sentence and the constants of all of them."""
    tokenised = [words(s) for s in sentences]
    known = frozenset(w.lower() for tokens in tokenised for w in tokens)
    lower_seen = frozenset(w.lower() for tokens in tokenised for w in tokens if w[:1].islower())
    constants: dict[str, None] = {}
    predicates = []
    own: list[tuple[str, ...]] = []
    groups: list[int] = []
    leads: list[tuple[str, ...]] = []
    tails: list[tuple[str, ...]] = []
    counts: list[int] = []
    for tokens in tokenised:
        spans = _constants(tokens, lower_seen)
        constants.update(dict.fromkeys(spans.values()))
        own.append(tuple(dict.fromkeys(spans.values())))
        names: dict[str, None] = {}
        run: list[str] = []
        runs = 0
        first: tuple[str, ...] = ()
        last: tuple[str, ...] = ()
        for i, word in enumerate([*tokens, ""]):
            if word and _is_content(word) and i not in spans:
                run.append(singular(word, known))
                continue
            runs += bool(run)
            if run and not first:
                first = tuple(dict.fromkeys(_run_names(run)))
            if run:
                last = tuple(dict.fromkeys(_run_names(run)))
            names.update(dict.fromkeys(_run_names(run)))
            run = []
        predicates.append(tuple(names))
        groups.append(runs)
        leads.append(first if _in_order(tokens) else ())
        tails.append(last if runs >= 2 else ())
        counts.append(sum(_is_content(w) and i not in spans for i, w in enumerate(tokens)))
    lowered = [{w.lower() for w in tokens} for tokens in tokenised]
    everyone = tuple(constants)
    return Vocabulary(
        predicates=tuple(predicates),
        constants=everyone,
        line_constants=tuple(everyone if ws & PRONOUNS else mine for ws, mine in zip(lowered, own)),
        negation=tuple(bool(ws & NEGATION_CUES) for ws in lowered),
        negated=tuple(bool(ws & NEGATED_CUES) for ws in lowered),
        disjunction=tuple(bool(ws & DISJUNCTION_CUES) for ws in lowered),
        biconditional=tuple(bool(ws & BICONDITIONAL_CUES) for ws in lowered),
        groups=tuple(groups),
        lead=tuple(leads),
        tail=tuple(tails),
        words=tuple(counts),
        named=tuple(own),
        quantifier=tuple(bool(ws & QUANTIFIER_CUES) for ws in lowered),
        universal=tuple(
            bool(tokens) and tokens[0].lower() in ("all", "every", "each", "no")
            for tokens in tokenised
        ),
        existential=tuple(bool(tokens) and tokens[0].lower() == "some" for tokens in tokenised),
        conditional=tuple(
            bool(ws & {"if", "when", "whenever"}) and bool(ws & _INDEFINITES) for ws in lowered
        ),
        ground=tuple(bool(mine) and _is_ground(tokens) for tokens, mine in zip(tokenised, own)),
    )


def _is_ground(tokens: list[str]) -> bool:
    """Whether a sentence that names someone says nothing general: no quantifier, relative or
    plural pronoun, and no ``a``/``an`` but after a copula (``Tom owns a dog`` needs ``exists``)."""
    lowered = [w.lower() for w in tokens]
    if GENERAL_CUES & set(lowered):
        return False
    return all(
        j > 0 and lowered[j - 1] in _COPULAS for j, w in enumerate(lowered) if w in ("a", "an")
    )


def _run_names(run: list[str]) -> list[str]:
    """A run's names: each word, and each pair of neighbours."""
    names = []
    for j, part in enumerate(run):
        names.append(camel([part]))
        if j + 1 < len(run):
            names.append(camel(run[j : j + 2]))
    return names


def _in_order(tokens: list[str]) -> bool:
    """Whether the sentence states its subject first (not ``B if A``, ``only``, ``unless``)."""
    lowered = [w.lower() for w in tokens]
    if {"only", "unless", "whenever", "because", "since"} & set(lowered):
        return False
    return "if" not in lowered[1:] or lowered[:1] == ["if"]
