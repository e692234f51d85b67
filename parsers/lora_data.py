"""The training data of the embedded model's LoRA adapter (issue 13, lever 4): the recipe.

Two sources, both NL→FOL pairs grouped into small problems:

- FOLIO *train* gold premises (``folio-train.jsonl``), one problem per story:
  FOLIO's Unicode FOL read by ``linc.parsers.read`` and printed in the prompt
  syntax as the shipped shots are (``llm_prompts.build_shots``' conversion).
  The training split has no conclusion FOL, so the story's last usable premise
  plays the conclusion. A sentence is kept only when its formula uses the names
  the embedded grammar would allow it (``fits``: predicates from its own words,
  constants it names, ``linc.parsers.vocabulary``), so training never pulls the
  model against its grammar.
- Template problems (``templates``): all/no/some, facts and negated facts,
  if-then about a name, modus ponens/tollens, either-or, relations, "if
  something ... then it ...", chains of rules, over word lists of real and
  made-up nouns, adjectives, verbs and names. Their formulas name things as
  ``vocabulary`` does (CamelCase singular content words, constants from names
  and ``the X``), and are checked with ``fits`` as well.

No problem holds a sentence of a measured set (``measured_sentences``: the
textbook benchmark, ProntoQA and ProofWriter dev, FOLIO validation, whole
files), compared without case and punctuation.

Each problem is rendered exactly as the embedded model is prompted
(``render``): ``gemma_prompt`` of the chat ``SemanticParser.messages`` builds
with the embedded settings (the system prompt and ``EMBEDDED_SHOTS`` worked
examples chosen by ``choose_shots``), then per sentence the fixed head
``TEXT:<tab><sentence>\\nFOL:<tab>`` and the target formula with its newline;
the loss is on the targets only. Everything is deterministic from ``SEED``;
``recipe_sha256`` hashes the rendered text. Nothing here needs torch.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from linc.config import Target
from linc.parsers.lines import gemma_prompt, heads
from linc.parsers.llm_prompts import build_messages, one_line
from linc.parsers.shots import choose_shots
from linc.parsers.vocabulary import camel, vocabulary

RECIPE_VERSION = "1"
SEED = 13
EMBEDDED_SHOTS = 2
"""Worked examples in the prompt, as ``LLMConfig.n_shots`` gives the embedded model."""
TEMPLATE_PROBLEMS = 1200
"""Template problems drawn (before the measured-set filter)."""
MEASURED = (
    "logiclm/ProntoQA/dev.json",
    "logiclm/ProofWriter/dev.json",
    "folio-v0/folio-validation.jsonl",
)
FOLIO_TRAIN = "folio-v0/folio-train.jsonl"
REPO = Path(__file__).resolve().parent.parent
TEXTBOOK = REPO / "benchmarks" / "data" / "textbook.jsonl"
_ATOM = re.compile(r"([A-Z]\w*)\(([^()]*)\)")


@dataclass(frozen=True)
class Problem:
    """Sentences (premises, then the conclusion) and one formula each."""

    premises: tuple[str, ...]
    conclusion: str
    formulas: tuple[str, ...]
    source: str

    @property
    def sentences(self) -> tuple[str, ...]:
        return (*self.premises, self.conclusion)


@dataclass(frozen=True)
class Rendered:
    """One training sequence: ``prompt``, then per sentence ``heads[i]`` (context, no loss)
    and ``targets[i]`` (its formula and the newline that ends the line; the loss).

    At inference the model's newline ends its line and the next head follows it, so the
    heads here start without the newline ``lines.heads`` puts between lines."""

    prompt: str
    heads: tuple[str, ...]
    targets: tuple[str, ...]
    source: str


def key(sentence: str) -> str:
    """A sentence compared without case and punctuation."""
    return re.sub(r"[^a-z0-9]+", " ", sentence.lower()).strip()


# ------------------------------------------------------------------ measured sets


def _split_sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if s]


def _logiclm_sentences(path: Path) -> Iterable[str]:
    for item in json.loads(path.read_text(encoding="utf-8")):
        yield from _split_sentences(item["context"])
        yield item["question"].rsplit("?", 1)[-1].strip()


def _jsonl_sentences(path: Path) -> Iterable[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            yield from row["premises"]
            yield row["conclusion"]


def measured_sentences(data_dir: Path, textbook: Path = TEXTBOOK) -> frozenset[str]:
    """Every sentence (as ``key``) of every measured set; raises if a file is missing."""
    found: set[str] = set(map(key, _jsonl_sentences(textbook)))
    for name in MEASURED:
        path = data_dir / name
        reader = _jsonl_sentences if name.endswith(".jsonl") else _logiclm_sentences
        found.update(map(key, reader(path)))
    found.discard("")
    return frozenset(found)


# ------------------------------------------------------------------ names the grammar allows


def fits(sentences: Sequence[str], formulas: Sequence[str]) -> list[bool]:
    """Per sentence: whether its formula uses only the predicate names and constants the
    embedded grammar allows that sentence (``vocabulary``)."""
    vocab = vocabulary([one_line(s) for s in sentences])
    out = []
    for i, formula in enumerate(formulas):
        atoms = _ATOM.findall(formula)
        ok = bool(atoms)
        for name, args in atoms:
            ok = ok and name in vocab.predicates[i]
            for arg in (a.strip() for a in args.split(",")):
                ok = ok and (arg in ("x", "y", "z") or arg in vocab.line_constants[i])
        out.append(ok)
    return out


# ------------------------------------------------------------------ FOLIO train


def _convert(text: str) -> str | None:
    """FOLIO's Unicode FOL in the prompt syntax, or None when it does not read or is not
    simple enough for the prompt grammar."""
    from linc.errors import LincError
    from linc.parsers import read, render
    from linc.parsers.llm_prompts import _prompt_form, _simple

    try:
        formula = _prompt_form(read(text, syntax="unicode").formula)
    except LincError:
        return None
    if not _simple([formula]):
        return None
    return render(formula, syntax="nltk")


def _story_problem(row: dict[str, Any], banned: frozenset[str]) -> Problem | None:
    pairs = []
    for sentence, text in zip(row["premises"], row["premises-FOL"]):
        formula = _convert(text)
        if formula is not None and key(sentence) not in banned:
            pairs.append((one_line(sentence), formula))
    for _ in range(3):  # dropping a sentence changes the vocabulary of the rest
        ok = fits([s for s, _ in pairs], [f for _, f in pairs]) if pairs else []
        if all(ok):
            break
        pairs = [pair for pair, good in zip(pairs, ok) if good]
    if len(pairs) < 2 or not all(fits([s for s, _ in pairs], [f for _, f in pairs])):
        return None
    sentences, formulas = zip(*pairs)
    return Problem(tuple(sentences[:-1]), sentences[-1], tuple(formulas), "folio-train")


def folio_problems(path: Path, banned: frozenset[str]) -> list[Problem]:
    """One problem per FOLIO training story (first occurrence), its usable premises only."""
    seen: set[int] = set()
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["story_id"] in seen:
            continue
        seen.add(row["story_id"])
        problem = _story_problem(row, banned)
        if problem is not None:
            out.append(problem)
    return out


# ------------------------------------------------------------------ templates

NOUNS = """
dog:dogs cat:cats bird:birds fish:fish horse:horses rabbit:rabbits fox:foxes
teacher:teachers doctor:doctors student:students farmer:farmers pilot:pilots
baker:bakers poet:poets sailor:sailors dancer:dancers painter:painters
tree:trees flower:flowers car:cars boat:boats apple:apples stone:stones
planet:planets robot:robots violin:violins mineral:minerals reptile:reptiles
mammal:mammals insect:insects vehicle:vehicles animal:animals plant:plants
musician:musicians athlete:athletes scientist:scientists soldier:soldiers
tiger:tigers eagle:eagles owl:owls frog:frogs snake:snakes whale:whales
blorpus:blorpuses grimpus:grimpuses zelpus:zelpuses frampus:frampuses
drelpus:drelpuses quimpus:quimpuses storpus:storpuses velpus:velpuses
bramble:brambles lorpin:lorpins gaddix:gaddixes
""".split()
ADJECTIVES = """
red blue green big small young old kind rough quiet loud happy sad cold warm
round smart nice furious brave shy fast slow heavy light wooden metallic sweet sour
bright dark strong weak rich poor calm tall short wet dry hungry sleepy tired
fluffy shiny spicy hairy opaque earthy luminous fragile
""".split()
VERBS = """
bark:barks sing:sings swim:swims run:runs fly:flies sleep:sleeps dance:dances
glow:glows hum:hums jump:jumps climb:climbs read:reads cook:cooks shout:shouts
""".split()
RELATIONS = """
like:likes chase:chases visit:visits see:sees need:needs eat:eats help:helps
admire:admires follow:follows trust:trusts
""".split()
NAMES = """
Alex Bella Carlos Dina Ezra Farah Gus Hana Ivan Jade Kofi Lena Milo Nadia Omar
Pia Rafael Sana Theo Uma Viktor Wren Yara Zane Ingrid Marco Selma Tobias Rhea Felix
""".split()
OBJECTS = """
cat dog mouse bear lion squirrel rabbit cow tiger owl fox goat horse
""".split()


def _pairs(words: Sequence[str]) -> list[tuple[str, str]]:
    return [(w.split(":")[0], w.split(":")[1]) for w in words]


Pair = tuple[str, str]
"""A sentence and its formula."""


@dataclass(frozen=True)
class _Prop:
    """A property a template sentence states: a noun, an adjective, a verb, or a relation to
    a fixed object (``obj``: a name or ``the X``)."""

    kind: str  # noun | adj | verb | rel
    base: str  # singular noun, adjective, or the verb's base form
    inflected: str = ""  # the noun's plural, or the verb's third person
    obj: str = ""

    def atom(self, term: str) -> str:
        name = camel([self.base])
        if self.kind == "rel":
            return f"{name}({term}, {_const(self.obj)})"
        return f"{name}({term})"

    def lit(self, term: str, negated: bool) -> str:
        return ("-" if negated else "") + self.atom(term)

    def singular(self, negated: bool = False) -> str:
        """What follows a singular subject: ``is a dog``, ``is red``, ``barks``, ``likes Bo``."""
        if self.kind == "noun":
            return f"is {'not ' if negated else ''}{_article(self.base)}"
        if self.kind == "adj":
            return f"is {'not ' if negated else ''}{self.base}"
        tail = f" {self.obj}" if self.obj else ""
        return (f"does not {self.base}" if negated else self.inflected) + tail

    def plural(self, negated: bool = False) -> str:
        """What follows a plural subject (or ``they``): ``are dogs``, ``are red``, ``bark``."""
        if self.kind == "noun":
            return f"are {'not ' if negated else ''}{self.inflected}"
        if self.kind == "adj":
            return f"are {'not ' if negated else ''}{self.base}"
        tail = f" {self.obj}" if self.obj else ""
        return ("do not " if negated else "") + self.base + tail


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _const(who: str) -> str:
    """The constant of a name or ``the X`` (as ``vocabulary`` names it)."""
    return camel([who.split()[-1]]) if who.startswith("the ") else who


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fact(who: str, prop: _Prop, negated: bool = False) -> Pair:
    return f"{_cap(who)} {prop.singular(negated)}.", prop.lit(_const(who), negated)


def _noun_rule(rng: random.Random, p: _Prop, q: _Prop, negated: bool) -> Pair:
    formula = f"all x. ({p.atom('x')} -> {q.lit('x', negated)})"
    forms = [
        f"All {p.inflected} {q.plural(negated)}.",
        f"Every {p.base} {q.singular(negated)}.",
        f"Each {p.base} {q.singular(negated)}.",
        f"{_cap(p.inflected)} {q.plural(negated)}.",
        f"If something {p.singular()} then it {q.singular(negated)}.",
    ]
    if negated and q.kind in ("noun", "adj"):
        forms.append(f"No {p.inflected} {q.plural()}.")
        forms.append(f"No {p.base} {q.singular()}.")
    return rng.choice(forms), formula


def _rule(rng: random.Random, p: _Prop, q: _Prop, negated: bool = False) -> Pair:
    """A universal rule ``p -> q`` (``-q`` when negated) in one of several surface forms."""
    if p.kind == "noun":
        return _noun_rule(rng, p, q, negated)
    formula = f"all x. ({p.atom('x')} -> {q.lit('x', negated)})"
    forms = [
        f"If something {p.singular()} then it {q.singular(negated)}.",
        f"If someone {p.singular()} then they {q.plural(negated)}.",
    ]
    if p.kind == "adj":
        forms.append(f"All {p.base} things {q.plural(negated)}.")
        forms.append(f"{_cap(p.base)} people {q.plural(negated)}.")
    elif p.kind == "verb":
        forms.append(f"Everything that {p.singular()} {q.singular(negated)}.")
    return rng.choice(forms), formula


def _both_rule(rng: random.Random, p: _Prop, r: _Prop, q: _Prop) -> Pair:
    """``(p & r) -> q``: ``If something is red and big then it is round`` and kin."""
    formula = f"all x. (({p.atom('x')} & {r.atom('x')}) -> {q.atom('x')})"
    if p.kind == "noun":
        who = rng.choice(["that", "who"])
        return f"Every {p.base} {who} {r.singular()} {q.singular()}.", formula
    forms = [
        f"If something {p.singular()} and {r.singular()} then it {q.singular()}.",
        f"If someone {p.singular()} and {r.singular()} then they {q.plural()}.",
    ]
    if p.kind == r.kind == "adj":
        forms.append(f"{_cap(p.base)}, {r.base} things {q.plural()}.")
    return rng.choice(forms), formula


def _props(rng: random.Random, banned_nouns: set[str]) -> tuple[list[_Prop], list[_Prop]]:
    """Shuffled noun properties and other properties (adjectives, verbs, relations)."""
    nouns = [_Prop("noun", s, p) for s, p in _pairs(NOUNS) if s not in banned_nouns]
    others = [_Prop("adj", a) for a in ADJECTIVES]
    others += [_Prop("verb", b, t) for b, t in _pairs(VERBS)]
    rng.shuffle(nouns)
    rng.shuffle(others)
    return nouns[:4], others[:5]


def _subjects(rng: random.Random) -> tuple[list[str], list[str]]:
    """Two or three subjects (names or ``the X``) and the objects a relation may name."""
    names = rng.sample(NAMES, 3)
    things = [f"the {o}" for o in rng.sample(OBJECTS, 3)]
    subjects = [rng.choice([names[0], things[0]]), rng.choice([names[1], things[1]])]
    return subjects, [names[2], things[2]]


def _relation(rng: random.Random, objects: Sequence[str]) -> _Prop:
    base, third = rng.choice(_pairs(RELATIONS))
    return _Prop("rel", base, third, rng.choice(objects))


def _syllogism(rng: random.Random) -> list[Pair]:
    """A rule, a fact, and a conclusion about the same individual (modus ponens and kin)."""
    (who, _), objects = _subjects(rng)
    nouns, others = _props(rng, {o.split()[-1] for o in objects} | {who.split()[-1]})
    p = nouns[0] if rng.random() < 0.6 else others[0]
    q = rng.choice([nouns[1], others[1], _relation(rng, objects)])
    negated = rng.random() < 0.3
    pairs = [_rule(rng, p, q, negated), _fact(who, p)]
    last = rng.choice([(q, rng.random() < 0.5), (p, False)])
    if rng.random() < 0.3:
        pairs.reverse()
    return [*pairs, _fact(who, *last)]


def _chain(rng: random.Random) -> list[Pair]:
    """Two or three rules in a chain, a fact, a conclusion at the end of the chain."""
    (who, other), objects = _subjects(rng)
    nouns, others = _props(rng, {s.split()[-1] for s in [who, other, *objects]})
    props = rng.sample(nouns[:3], 2) + rng.sample(others[:3], 2)
    length = rng.choice([2, 2, 3])
    pairs = [_rule(rng, props[i], props[i + 1]) for i in range(length)]
    negated = rng.random() < 0.3
    if negated:
        pairs[-1] = _rule(rng, props[length - 1], props[length], negated=True)
    rng.shuffle(pairs)
    pairs.append(_fact(who, props[0]))
    if rng.random() < 0.4:
        pairs.append(_fact(other, rng.choice(others[3:])))
    return [*pairs, _fact(who, props[length], rng.random() < 0.5)]


def _conditional_fact(rng: random.Random) -> list[Pair]:
    """``If N is p, then N is q.`` with a fact: modus ponens or tollens."""
    (who, _), objects = _subjects(rng)
    _, others = _props(rng, {who.split()[-1], *(o.split()[-1] for o in objects)})
    p, q = others[0], others[1]
    c = _const(who)
    comma = rng.choice([",", ""])
    rule = (
        f"If {who} {p.singular()}{comma} then {who} {q.singular()}.",
        f"{p.atom(c)} -> {q.atom(c)}",
    )
    rule = (_cap(rule[0]), rule[1])
    if rng.random() < 0.5:
        return [rule, _fact(who, p), _fact(who, q, rng.random() < 0.4)]
    return [rule, _fact(who, q, True), _fact(who, p, rng.random() < 0.6)]


def _either(rng: random.Random) -> list[Pair]:
    """Either-or about one individual, a negated fact, the other disjunct."""
    (who, _), objects = _subjects(rng)
    nouns, others = _props(rng, {who.split()[-1], *(o.split()[-1] for o in objects)})
    p, q = rng.choice([(nouns[0], nouns[1]), (others[0], others[1])])
    c = _const(who)
    if rng.random() < 0.5:
        tail = q.singular()
        if p.kind == q.kind == "noun" or (p.kind == q.kind == "adj"):
            tail = tail.split(" ", 1)[1]  # "is a cat or a dog", "is red or big"
        first = (f"{_cap(who)} {p.singular()} or {tail}.", f"{p.atom(c)} | {q.atom(c)}")
    else:
        text = f"Either {who} {p.singular()} or {who} {q.singular()}."
        first = (text, f"-({p.atom(c)} <-> {q.atom(c)})")
    return [first, _fact(who, p, True), _fact(who, q, rng.random() < 0.3)]


def _existential(rng: random.Random) -> list[Pair]:
    """``Some A are B`` with a rule about B; a conclusion with ``some``."""
    nouns, others = _props(rng, set())
    a, b = nouns[0], rng.choice([nouns[1], others[0]])
    c = rng.choice([nouns[2], others[1]])
    neg = rng.random() < 0.3
    some = (
        f"Some {a.inflected} {b.plural(neg)}.",
        f"exists x. ({a.atom('x')} & {b.lit('x', neg)})",
    )
    rule = _rule(rng, b, c)
    last = (f"Some {a.inflected} {c.plural()}.", f"exists x. ({a.atom('x')} & {c.atom('x')})")
    if b.kind == "noun" and not neg and rng.random() < 0.5:
        last = (f"Some {b.inflected} {a.plural()}.", f"exists x. ({b.atom('x')} & {a.atom('x')})")
    return [some, rule, last]


def _world(rng: random.Random) -> list[Pair]:
    """ProofWriter's shape with our words: facts about two individuals, rules, a fact."""
    (a, b), objects = _subjects(rng)
    _, others = _props(rng, {s.split()[-1] for s in [a, b, *objects]})
    rel = _Prop("rel", *rng.choice(_pairs(RELATIONS)), obj=b)
    facts = [_fact(a, others[0]), _fact(a, others[1], rng.random() < 0.3), _fact(b, others[2])]
    if rng.random() < 0.5:
        facts.append((f"{_cap(a)} {rel.singular()}.", rel.atom(_const(a))))
    rules = [_rule(rng, others[0], others[3]), _both_rule(rng, others[1], others[2], others[4])]
    if rng.random() < 0.5:
        rules.append(_rule(rng, rel, others[4], rng.random() < 0.3))
    pairs = facts + rules
    rng.shuffle(pairs)
    goal = rng.choice([others[3], others[4]])
    return [*pairs, _fact(rng.choice([a, b]), goal, rng.random() < 0.4)]


def _relational(rng: random.Random) -> list[Pair]:
    """A relation in a rule and a fact: ``Every child admires Nora``, ``Liam is a child``."""
    (who, _), objects = _subjects(rng)
    nouns, others = _props(rng, {who.split()[-1], *(o.split()[-1] for o in objects)})
    rel = _relation(rng, objects)
    p = rng.choice([nouns[0], others[0]])
    pairs = [_rule(rng, p, rel), _fact(who, p)]
    if rng.random() < 0.5:
        q = others[1]
        pairs.append(_rule(rng, rel, q))
        return [*pairs, _fact(who, q, rng.random() < 0.3)]
    return [*pairs, _fact(who, rel, rng.random() < 0.3)]


def _conjunction(rng: random.Random) -> list[Pair]:
    """``N is p and q`` facts and a rule over both."""
    (who, _), objects = _subjects(rng)
    _, others = _props(rng, {who.split()[-1], *(o.split()[-1] for o in objects)})
    p, r, q = others[:3]
    c = _const(who)
    if p.kind == r.kind == "adj":
        text = f"{_cap(who)} is {p.base} and {r.base}."
    else:
        text = f"{_cap(who)} {p.singular()} and {r.singular()}."
    both = (text, f"{p.atom(c)} & {r.atom(c)}")
    return [both, _both_rule(rng, p, r, q), _fact(who, q, rng.random() < 0.3)]


_BUILDERS = (
    (_syllogism, 3),
    (_chain, 3),
    (_conditional_fact, 2),
    (_either, 2),
    (_existential, 2),
    (_world, 3),
    (_relational, 2),
    (_conjunction, 1),
)
"""Template problem kinds and their weights."""


def template_problems(count: int, seed: int) -> list[Problem]:
    """``count`` template problems drawn from ``seed`` (before any filter)."""
    rng = random.Random(seed)
    builders = [b for b, weight in _BUILDERS for _ in range(weight)]
    out = []
    for _ in range(count):
        pairs = rng.choice(builders)(rng)
        sentences = [s for s, _ in pairs]
        out.append(
            Problem(tuple(sentences[:-1]), sentences[-1], tuple(f for _, f in pairs), "template")
        )
    return out


# ------------------------------------------------------------------ the recipe


def _usable(problem: Problem, banned: frozenset[str]) -> bool:
    keys = [key(s) for s in problem.sentences]
    return (
        not banned.intersection(keys)
        and len(set(keys)) == len(keys)
        and all(fits(problem.sentences, problem.formulas))
    )


def recipe(data_dir: Path, *, textbook: Path = TEXTBOOK, seed: int = SEED) -> list[Problem]:
    """The training problems, in training order: FOLIO train stories and template problems
    that share no sentence with a measured set, shuffled with ``seed``."""
    banned = measured_sentences(data_dir, textbook)
    folio = folio_problems(data_dir / FOLIO_TRAIN, banned)
    templates = [p for p in template_problems(TEMPLATE_PROBLEMS, seed) if _usable(p, banned)]
    unique = {p.sentences: p for p in [*folio, *templates] if _usable(p, banned)}
    problems = list(unique.values())
    random.Random(seed).shuffle(problems)
    return problems


def render(problem: Problem, *, shots: int = EMBEDDED_SHOTS) -> Rendered:
    """``problem`` as the embedded model sees it at inference (see the module doc)."""
    examples = choose_shots(shots, problem.premises, problem.conclusion)
    messages = build_messages(
        problem.premises, problem.conclusion, target=Target.FOL, shots=shots, examples=examples
    )
    return Rendered(
        prompt=gemma_prompt(messages),
        heads=tuple(head.lstrip("\n") for head in heads(problem.sentences)),
        targets=tuple(f + "\n" for f in problem.formulas),
        source=problem.source,
    )


def recipe_sha256(rendered: Sequence[Rendered]) -> str:
    """sha256 of the rendered training data (canonical JSON, in order)."""
    text = json.dumps([asdict(r) for r in rendered], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
