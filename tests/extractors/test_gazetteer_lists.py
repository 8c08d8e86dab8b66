"""prison_lists: pure functions over token texts."""

from __future__ import annotations

from hjwatch.extractors.prison_lists import continue_list, find_triggers, list_backwards, match_bare

INDEX = {
    ("liverpool",): ["HMP Liverpool"],
    ("haverigg",): ["HMP Haverigg"],
    ("buckley", "hall"): ["HMP Buckley Hall"],
    ("hindley",): ["HMP Hindley"],
    ("manchester",): ["HMP Manchester"],
    ("campsfield", "house"): ["Campsfield House IRC"],
    ("haslar",): ["Haslar IRC"],
    ("medway",): ["Medway STC", "Oasis Restore Secure School"],
}


def toks(text):
    return text.split()


def test_match_bare_prefers_the_longest_name():
    assert match_bare(toks("Buckley Hall and"), 0, INDEX) == (2, ("buckley", "hall"))


def test_match_bare_needs_a_capital():
    assert match_bare(toks("liverpool"), 0, INDEX) is None


def test_match_bare_backwards():
    assert match_bare(toks("to Campsfield House"), 2, INDEX, forward=False) == (1, ("campsfield", "house"))


def test_continue_list_after_a_prefixed_name():
    t = toks("HMP Liverpool , Haverigg , Buckley Hall , Hindley and Manchester .")
    assert [name for _, _, name in continue_list(t, 2, INDEX, need_sep=True)] == [
        "HMP Haverigg", "HMP Buckley Hall", "HMP Hindley", "HMP Manchester"]


def test_continue_list_needs_a_separator_between_names():
    assert continue_list(toks("HMP Liverpool Haverigg"), 2, INDEX, need_sep=True) == []


def test_continue_list_stops_at_a_longer_proper_name():
    assert continue_list(toks("HMP Liverpool and Manchester University"), 2, INDEX, need_sep=True) == []


def test_continue_list_stops_at_a_possessive():
    assert continue_list(toks("HMP Liverpool and Manchester 's mayor"), 2, INDEX, need_sep=True) == []


def test_continue_list_stops_at_an_unknown_word():
    t = toks("HMP Liverpool , Haverigg and Oxford .")
    assert [name for _, _, name in continue_list(t, 2, INDEX, need_sep=True)] == ["HMP Haverigg"]


def test_list_backwards_needs_two_names_by_default():
    assert list_backwards(toks("to Haslar IRCs"), 2, INDEX) == []


def test_list_backwards_single_name_when_allowed():
    assert list_backwards(toks("to Haslar IRCs"), 2, INDEX, single_ok=lambda name: True) == [(1, 2, "Haslar IRC")]


def test_list_backwards_two_names():
    assert list_backwards(toks("for Campsfield House and Haslar IRCs"), 5, INDEX) == [
        (1, 3, "Campsfield House IRC"), (4, 5, "Haslar IRC")]


def test_pick_chooses_among_rows_of_one_name():
    found = continue_list(toks("HMP Liverpool and Medway ."), 2, INDEX, need_sep=True,
                          pick=lambda names: names[-1])
    assert found == [(3, 4, "Oasis Restore Secure School")]


def test_find_triggers():
    t = ["HMPs", "Highpoint", "and", "3", "Secure", "Children", "'s", "Homes", "and", "HM", "Prisons"]
    # "HM Prisons" is both a plural prefix and, from its second word, a plural noun.
    assert find_triggers(t) == [(0, 1, "prison"), (4, 8, "sch"), (9, 11, "prison"), (10, 11, "prison")]


def test_find_triggers_none():
    assert find_triggers(toks("no lists here at all")) == []
