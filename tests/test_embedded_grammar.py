"""Per-problem grammars: names from the problem's words, checked with llama.cpp's own engine."""

from __future__ import annotations

import pytest
from grammar_acceptor import Acceptor

from linc.parsers.gbnf import (
    LineGrammars,
    Requirement,
    arities,
    line_grammars,
    lines_grammar,
    requirements,
    vocabulary_grammar,
)
from linc.parsers.vocabulary import singular, vocabulary

PROBLEM = ["No fish are mammals.", "Nemo is a fish.", "Nemo is not a mammal."]


def test_content_words_become_camelcase_singular_names() -> None:
    vocab = vocabulary(["All dogs are animals.", "Rex is a dog.", "Wumpuses are not warm-blooded."])
    assert vocab.predicates[0] == ("Dog", "Animal")
    assert vocab.predicates[1] == ("Dog",)
    assert {"Wumpus", "WarmBlooded"} <= set(vocab.predicates[2])
    assert vocab.constants == ("Rex",)
    assert singular("studies") == "study" and singular("passes") == "pass"
    assert singular("houses", frozenset({"house"})) == "house"


def test_constants_are_names_and_the_nouns() -> None:
    vocab = vocabulary(
        ["The bald eagle chases the cat.", "If something chases the cat then it is red."]
    )
    assert vocab.constants == ("BaldEagle", "Cat")
    assert vocab.predicates[0] == ("Chase",)
    assert vocab.line_constants[1] == ("BaldEagle", "Cat")  # a pronoun may mean any of them
    assert vocab.negation == (False, False)


@pytest.fixture(scope="module")
def acceptor() -> Acceptor:
    return Acceptor()


def test_line_grammars_accept_the_right_formulas_and_reject_invented_names(
    acceptor: Acceptor,
) -> None:
    first, second, third = line_grammars(PROBLEM, strict=True)
    assert acceptor.accepts(first, "all x. (Fish(x) -> -Mammal(x))\n")
    assert not acceptor.accepts(first, "-exists x. (Fish(x) & Mammal(x))\n")  # "No A": all, ->
    assert not acceptor.accepts(first, "all x. (Fish(x) -> Mammal(x))\n")  # "No" needs a negation
    assert not acceptor.accepts(first, "Fish(x)\n")  # two content words: two atoms
    assert not acceptor.accepts(first, "all x. (Fish(x) -> -Chimpanzee(x))\n")  # not in the text
    assert not acceptor.accepts(first, "Fish(Nemo) -> -Mammal(Nemo)\n")  # Nemo is not named here
    assert acceptor.accepts(second, "Fish(Nemo)\n")
    assert acceptor.accepts(second, "Fish(Nemo) \n")
    assert not acceptor.accepts(second, "-Fish(Nemo)\n")  # no negation in the sentence
    assert not acceptor.accepts(second, "Mammal(Nemo)\n")  # another sentence's word
    assert not acceptor.accepts(second, "Fish(Rex)\n")
    assert acceptor.accepts(third, "-Mammal(Nemo)\n")
    assert not acceptor.accepts(third, "Mammal(Nemo)\n")


def test_whole_completion_grammars_fix_the_line_count(acceptor: Acceptor) -> None:
    lines = lines_grammar(PROBLEM, strict=True)
    good = "FOL:\tall x. (Fish(x) -> -Mammal(x))\nFOL:\tFish(Nemo)\nFOL:\t-Mammal(Nemo)"
    assert acceptor.accepts(lines, good)
    assert not acceptor.accepts(lines, good.rsplit("\n", 1)[0])  # a line short
    assert not acceptor.accepts(lines, good + "\nFOL:\t-Mammal(Nemo)")  # a line too many
    free = lines_grammar(PROBLEM, restrict=False)
    assert acceptor.accepts(free, good.replace("Mammal", "Chimpanzee"))
    text_fol = vocabulary_grammar(PROBLEM, strict=True)
    assert acceptor.accepts(
        text_fol,
        "TEXT:\tNo fish are mammals.\nFOL:\tall x. (Fish(x) -> -Mammal(x))\n"
        "TEXT:\tNemo is a fish.\nFOL:\tFish(Nemo)\nTEXT:\tNemo is not a mammal.\nFOL:\t-Mammal(Nemo)",
    )


def test_the_subject_leads_unless_the_sentence_reverses_it(acceptor: Acceptor) -> None:
    (cats,) = line_grammars(["All cats are mammals."])
    assert acceptor.accepts(cats, "all x. (Cat(x) -> Mammal(x))\n")
    (purring,) = line_grammars(["All cats that purr are mammals."])  # three words: three levels
    assert acceptor.accepts(purring, "all x. ((Cat(x) & Purr(x)) -> Mammal(x))\n")
    assert not acceptor.accepts(purring, "all x. ((Purr(x) & Cat(x)) -> Mammal(x))\n")
    assert not acceptor.accepts(cats, "all x. (Mammal(x) -> Cat(x))\n")
    (postfix,) = line_grammars(["Anna passes if Anna studies."])
    assert acceptor.accepts(postfix, "Study(Anna) -> Pass(Anna)\n")
    assert vocabulary(["Only students are athletes."]).lead == ((),)


def test_each_content_group_shows_and_one_group_is_one_atom(acceptor: Acceptor) -> None:
    sentences = ["All cats are mammals.", "Tom is a cat.", "No birds are insects."]
    cats, tom, birds = line_grammars(sentences, strict=True)
    assert not acceptor.accepts(cats, "all x. (Cat(x) -> Cat(x))\n")  # "mammals" left out
    assert acceptor.accepts(cats, "all x. (Cat(x) -> Mammal(x))\n")
    assert acceptor.accepts(tom, "Cat(Tom)\n")
    assert not acceptor.accepts(tom, "Cat(Tom) -> Cat(Tom)\n")  # one group, one atom
    assert acceptor.accepts(birds, "all x. (Bird(x) -> -Insect(x))\n")
    assert not acceptor.accepts(birds, "-exists x. (Bird(x) & Insect(x))\n")
    assert not acceptor.accepts(birds, "all x. (Bird(x) -> -Bird(x))\n")


def test_by_default_the_line_requirements_are_checked_after_sampling(acceptor: Acceptor) -> None:
    first, second, _third = line_grammars(PROBLEM)  # names, lead and operators only: fast
    assert acceptor.accepts(first, "all x. (Fish(x) -> Mammal(x))\n")
    assert not acceptor.accepts(first, "all x. (Mammal(x) -> -Fish(x))\n")  # the subject leads
    assert not acceptor.accepts(second, "-Fish(Nemo)\n")
    no_fish, nemo, not_mammal = requirements(PROBLEM)
    assert no_fish == Requirement(negate=True, tail=("Mammal",), compound=True, atoms=4)
    assert not no_fish.met("all x. (Fish(x) -> Mammal(x))")
    assert not no_fish.met("all x. (Fish(x) -> -Fish(x))")
    assert no_fish.met("all x. (Fish(x) -> -Mammal(x))")
    assert nemo.met("Fish(Nemo)") and not_mammal.met("-Mammal(Nemo)")
    assert not not_mammal.met("Mammal(Nemo)")


def test_every_formula_is_closed_and_facts_about_names_have_no_quantifier(
    acceptor: Acceptor,
) -> None:
    jompus, max_is, knows = line_grammars(
        ["Jompuses are not shy.", "Max is a jompus.", "Lucy knows Mark."]
    )
    assert acceptor.accepts(jompus, "all x. (Jompus(x) -> -Shy(x))\n")
    assert not acceptor.accepts(jompus, "Jompus(x) & -Shy(x)\n")  # x is free
    assert not acceptor.accepts(jompus, "(Jompus(x) -> -Shy(x))\n")
    assert acceptor.accepts(max_is, "Jompus(Max)\n")
    assert not acceptor.accepts(max_is, "Jompus(x)\n")
    assert not acceptor.accepts(max_is, "all x. (Jompus(Max))\n")  # nothing general to say
    assert acceptor.accepts(knows, "Know(Lucy, Mark)\n")
    owns = line_grammars(["Tom owns a dog.", "Tom is happy."])[0]
    assert acceptor.accepts(owns, "exists x. (Own(Tom, x) & Dog(x))\n")  # "a dog": not a name


def test_each_name_a_sentence_says_is_in_its_formula_and_repetition_is_refused() -> None:
    knows, shy = requirements(["Lucy knows Mark.", "Jompuses are not shy."])
    assert knows.met("Know(Lucy, Mark)") and not knows.met("Know(Lucy)")
    assert shy.met("all x. (Jompus(x) -> -Shy(x))")
    assert not shy.met("all x. (Jompus(x) & (Jompus(x) & Jompus(x)) & (Jompus(x) & -Shy(x)))")


def test_a_short_sentence_leaves_no_room_for_a_run_away_formula(acceptor: Acceptor) -> None:
    (aggressive,) = line_grammars(["Each yumpus is aggressive."])
    assert acceptor.accepts(aggressive, "all x. (Yumpus(x) -> Aggressive(x))\n")
    repeated = "all x. (Yumpus(x) -> Aggressive(x)) -> all x. (Yumpus(x) -> Aggressive(x))\n"
    assert not acceptor.accepts(aggressive, repeated)  # two top units: neither quantified
    loop = "all x. (Yumpus(x) -> Yumpus(x)) -> "
    runaway = loop + loop + "all x. (Yumpus(x) -> Aggressive(x))\n"  # as the model once wrote
    assert not acceptor.accepts(aggressive, runaway)
    assert not acceptor.accepts(aggressive, "all x. (Yumpus(x) -> all x. (Aggressive(x)))\n")
    (either,) = line_grammars(["Max is either red or blue."])
    assert acceptor.accepts(either, "(Red(Max) | Blue(Max)) & -(Red(Max) & Blue(Max))\n")


def test_two_joined_atoms_of_a_short_sentence_name_different_predicates(
    acceptor: Acceptor,
) -> None:
    aggressive, cats = line_grammars(["Each yumpus is aggressive.", "No cats are dogs."])
    assert not acceptor.accepts(aggressive, "all x. (Yumpus(x) -> Yumpus(x))\n")
    assert acceptor.accepts(aggressive, "all x. (Yumpus(x) -> Aggressive(x))\n")
    assert not acceptor.accepts(cats, "all x. (Cat(x) -> -Cat(x))\n")
    assert acceptor.accepts(cats, "all x. (Cat(x) -> -Dog(x))\n")


def test_a_relation_between_two_names_takes_both_and_every_means_a_quantifier(
    acceptor: Acceptor,
) -> None:
    helps, everyone = line_grammars(["John helps Maria.", "Everyone who loves Bob is happy."])
    assert acceptor.accepts(helps, "Help(John, Maria)\n")
    assert not acceptor.accepts(helps, "Help(John)\n")
    assert not acceptor.accepts(helps, "Help(Maria, John)\n")  # the subject comes first
    big, liked = line_grammars(["The mouse is big.", "The cat is liked by the bear."])
    assert acceptor.accepts(big, "Big(Mouse)\n") and not acceptor.accepts(
        big, "Big(Mouse, Mouse)\n"
    )
    assert acceptor.accepts(liked, "Liked(Bear, Cat)\n")  # a passive: either order
    assert acceptor.accepts(liked, "Liked(Cat, Bear)\n")
    assert acceptor.accepts(everyone, "all x. (Love(x, Bob) -> Happy(x))\n")
    assert not acceptor.accepts(everyone, "Love(Bob) -> Happy(Bob)\n")  # "everyone": no x


def test_if_something_means_every_and_a_formula_has_one_outer_quantifier(
    acceptor: Acceptor,
) -> None:
    (rule,) = line_grammars(["If something is quiet and cold then it is smart."])
    assert acceptor.accepts(rule, "all x. ((Quiet(x) & Cold(x)) -> Smart(x))\n")
    assert not acceptor.accepts(rule, "exists x. ((Quiet(x) & Cold(x)) -> Smart(x))\n")
    repeated = "all x. (Quiet(x) -> Smart(x)) -> all x. (Cold(x) -> Smart(x))\n"
    assert not acceptor.accepts(rule, repeated)


def test_a_quantifier_leads_or_sits_in_another_and_one_predicate_still_has_a_formula(
    acceptor: Acceptor,
) -> None:
    (chain,) = line_grammars(["If something is red and big and round then it is cold."])
    nested = "(all x. (Red(x) & Big(x)) -> all x. (Round(x) & Cold(x)))\n"
    assert not acceptor.accepts(chain, nested)
    assert acceptor.accepts(chain, "all x. ((Red(x) & Big(x)) & Round(x) -> Cold(x))\n")
    (likes,) = line_grammars(["If something likes the cow then the cow likes the squirrel."])
    assert acceptor.accepts(likes, "all x. (Like(x, Cow) -> Like(Cow, Squirrel))\n")


def test_all_a_are_b_is_an_implication_under_all(acceptor: Acceptor) -> None:
    smart, pilots = line_grammars(
        ["All smart things are furry.", "Every pilot who flies is trained."]
    )
    assert acceptor.accepts(smart, "all x. (Smart(x) -> Furry(x))\n")
    assert not acceptor.accepts(smart, "all x. (Smart(x) & Furry(x))\n")
    assert not acceptor.accepts(smart, "exists x. (Smart(x) -> Furry(x))\n")
    assert acceptor.accepts(pilots, "all x. ((Pilot(x) & Fly(x)) -> Trained(x))\n")


def test_a_predicate_keeps_the_arity_the_lines_above_gave_it(acceptor: Acceptor) -> None:
    sentences = ["John loves Mary.", "Everyone who loves Mary is happy.", "Mary loves John."]
    problem = LineGrammars(sentences)
    assert [problem.grammar(i, {}) for i in range(3)] == line_grammars(sentences)
    assert arities("all x. (Love(x, Mary) -> Happy(x))") == {"Love": 2, "Happy": 1}
    binary = problem.grammar(1, {"Love": 2})
    assert acceptor.accepts(binary, "all x. (Love(x, Mary) -> Happy(x))\n")
    assert not acceptor.accepts(binary, "all x. ((Love(x) & Love(Mary)) -> Happy(x))\n")
    unary = problem.grammar(1, {"Love": 1, "Happy": 1})
    assert acceptor.accepts(unary, "all x. (Love(x) -> Happy(x))\n")
    assert not acceptor.accepts(unary, "all x. (Love(x, Mary) -> Happy(x))\n")
    assert not acceptor.accepts(unary, "all x. (Love(x, Mary) -> Happy(x, x))\n")
    relation = problem.grammar(2, {"Love": 2})
    assert acceptor.accepts(relation, "Love(Mary, John)\n")
    # a property above: a one-word sentence about two names is about its subject
    assert acceptor.accepts(problem.grammar(2, {"Love": 1}), "Love(Mary)\n")
    assert not acceptor.accepts(problem.grammar(2, {"Love": 1}), "Love(Mary, John)\n")


def test_some_a_are_b_is_a_conjunction_under_exists(acceptor: Acceptor) -> None:
    some, negated = line_grammars(["Some birds are pets.", "Some cats are not black."])
    assert acceptor.accepts(some, "exists x. (Bird(x) & Pet(x))\n")
    assert not acceptor.accepts(some, "all x. (Bird(x) -> Pet(x))\n")
    assert not acceptor.accepts(some, "exists x. (Bird(x) -> Pet(x))\n")
    assert acceptor.accepts(negated, "exists x. (Cat(x) & -Black(x))\n")


def test_a_universal_body_is_no_conjunction_and_an_existential_body_no_implication(
    acceptor: Acceptor,
) -> None:
    mammals, reptiles = line_grammars(["Cats are mammals.", "Cats are not reptiles."])
    assert acceptor.accepts(mammals, "all x. (Cat(x) -> Mammal(x))\n")
    assert not acceptor.accepts(mammals, "all x. (Cat(x) & Mammal(x))\n")  # all is a cat
    assert not acceptor.accepts(mammals, "exists x. (Cat(x) -> Mammal(x))\n")
    assert acceptor.accepts(mammals, "exists x. (Cat(x) & Mammal(x))\n")
    assert acceptor.accepts(reptiles, "all x. (Cat(x) -> -Reptile(x))\n")
    assert acceptor.accepts(reptiles, "all x. -(Cat(x) & Reptile(x))\n")  # -( ) swaps them
    assert acceptor.accepts(reptiles, "-exists x. (Cat(x) & Reptile(x))\n")
    assert not acceptor.accepts(reptiles, "all x. (Cat(x) & -Reptile(x))\n")
