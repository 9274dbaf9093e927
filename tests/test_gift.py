"""Tests for the Moodle GIFT to quiz converter (lms/assessment/gift.py, docs/gift-import.md)."""
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # so that `pytest tests/test_gift.py` works without extra config
    sys.path.insert(0, str(ROOT))

from lms.assessment.gift import GiftError, GiftResult, dump_quiz_yaml, gift_to_quiz, parse_gift

FIXTURE = Path(__file__).parent / "data" / "real_world.gift"


def fixture_questions():
    result = parse_gift(FIXTURE.read_text(encoding="utf-8"))
    assert result.errors == [] and result.unsupported == []
    return {q["id"]: q for q in result.questions}


def one(gift):
    """The single question of a small GIFT text (which must convert cleanly)."""
    result = parse_gift(gift)
    assert result.errors == [], result.errors
    assert result.unsupported == [], result.unsupported
    assert len(result.questions) == 1
    return result.questions[0]


def problems(gift):
    """Every error and unsupported feature of a GIFT text, as (line, message) pairs."""
    result = parse_gift(gift)
    return [(e.line, e.message) for e in result.errors + result.unsupported]


# --- the real-world fixture ------------------------------------------------------------------


def test_the_whole_fixture_converts_with_zero_errors():
    quiz, errors = gift_to_quiz(FIXTURE.read_text(encoding="utf-8"), "cluster-digital-bank")
    assert errors == []
    assert quiz is not None
    assert len(quiz["questions"]) == 31


def test_the_fixture_uses_every_supported_question_type():
    types = {q["type"] for q in fixture_questions().values()}
    assert types == {"single", "multiple", "truefalse", "short", "matching", "numeric"}


def test_the_fixture_round_trips_through_yaml():
    quiz, _ = gift_to_quiz(FIXTURE.read_text(encoding="utf-8"), "cluster-digital-bank", lang="en")
    text = dump_quiz_yaml(quiz)
    assert yaml.safe_load(text) == quiz
    assert list(yaml.safe_load(text)) == list(quiz)


def test_question_ids_in_the_fixture_are_unique_and_valid():
    ids = [q["id"] for q in parse_gift(FIXTURE.read_text(encoding="utf-8")).questions]
    assert len(ids) == len(set(ids))
    for qid in ids:
        assert qid == qid.lower() and all(c.isalnum() or c == "-" for c in qid)


def test_a_single_choice_question_keeps_option_feedback_and_general_feedback():
    assert fixture_questions()["q-what-is-a-cluster"] == {
        "id": "q-what-is-a-cluster",
        "title": "What is a cluster",
        "type": "single",
        "text": "Which of these best describes a **business cluster**?",
        "options": [
            {
                "id": "a",
                "text": "A group of connected firms and institutions in one region",
                "correct": True,
                "feedback": "Right: geographic concentration *and* connection.",
            },
            {
                "id": "b",
                "text": "A single large firm with many branches",
                "feedback": "No: one firm alone is not a cluster.",
            },
            {
                "id": "c",
                "text": "An online marketplace",
                "feedback": "No: a marketplace can serve a cluster, but it is not one.",
            },
        ],
        "feedback": "Porter describes clusters as geographic concentrations of interconnected "
        "companies and institutions.",
    }


def test_weighted_answers_become_a_multiple_question_with_weights():
    assert fixture_questions()["q-triple-helix-partners"] == {
        "id": "q-triple-helix-partners",
        "title": "Triple helix partners",
        "type": "multiple",
        "text": "Which partners make up a triple-helix cluster partnership? (choose all that apply)",
        "options": [
            {
                "id": "a",
                "text": "Firms and universities",
                "correct": True,
                "weight": 50,
                "feedback": "Yes: business and knowledge are two of the three helices.",
            },
            {
                "id": "b",
                "text": "Public authorities",
                "correct": True,
                "weight": 50,
                "feedback": "Yes: government is the third helix.",
            },
            {
                "id": "c",
                "text": "Only the firms' competitors",
                "weight": -100,
                "feedback": "No: competitors are part of the business helix, not a helix of their own.",
            },
            {
                "id": "d",
                "text": "A single consultant",
                "weight": -100,
                "feedback": "No: a consultant may facilitate, but is not a helix.",
            },
        ],
    }


def test_several_equals_answers_become_a_multiple_question_without_weights():
    q = fixture_questions()["q-online-channels"]
    assert q["type"] == "multiple"
    assert [(o["id"], o.get("correct", False)) for o in q["options"]] == [
        ("a", True),
        ("b", True),
        ("c", False),
    ]
    assert all("weight" not in o for o in q["options"])


def test_one_right_answer_with_partial_weights_stays_single_and_is_a_missing_word():
    assert fixture_questions()["q-trust-first"] == {
        "id": "q-trust-first",
        "title": "Trust first",
        "type": "single",
        "text": "The most important task of a cluster facilitator in the first year is to _____ "
        "so that members share ideas.",
        "options": [
            {"id": "a", "text": "build trust between the members", "correct": True, "weight": 100},
            {
                "id": "b",
                "text": "organise joint events",
                "weight": 50,
                "feedback": "Events help, but mainly as a way to build trust.",
            },
            {
                "id": "c",
                "text": "write funding applications",
                "weight": 25,
                "feedback": "Funding matters, but without trust it is wasted.",
            },
            {
                "id": "d",
                "text": "sell the members' products",
                "weight": 0,
                "feedback": "No: members sell their own products.",
            },
        ],
    }


def test_a_false_statement_shows_the_first_feedback_to_learners_who_answer_true():
    assert fixture_questions()["q-co-opetition"] == {
        "id": "q-co-opetition",
        "title": "Co-opetition",
        "type": "truefalse",
        "text": "Firms in a cluster never compete with each other.",
        "answer": False,
        "feedback_true": "Wrong: members compete for customers and cooperate at the same time.",
        "feedback_false": "Right: this mix is called co-opetition.",
    }


def test_a_true_statement_shows_the_first_feedback_to_learners_who_answer_false():
    q = fixture_questions()["q-cluster-members-agree"]
    assert q["answer"] is True
    assert q["feedback_true"] == "Right: face-to-face contact builds trust fastest."
    assert q["feedback_false"] == "Wrong: regular meetings are the main way clusters build trust."


def test_true_false_without_feedback_has_only_the_answer():
    q = fixture_questions()["q-strong-password"]
    assert q == {
        "id": "q-strong-password",
        "title": "Strong password",
        "type": "truefalse",
        "text": "A password made only of a company's name and its founding year is strong.",
        "answer": False,
    }


def test_all_equals_answers_become_a_short_answer_question():
    assert fixture_questions()["q-project-name"] == {
        "id": "q-project-name",
        "title": "Project name",
        "type": "short",
        "text": 'What is the short name of the Interreg project "Cooperation in Competition"?',
        "accept": ["Co-in-Co", "CoinCo", "Co in Co"],
        "case_sensitive": False,
    }


def test_a_short_answer_in_the_middle_of_the_text_leaves_a_blank():
    q = fixture_questions()["q-domain-name"]
    assert q["text"] == "A website's address, such as example.com, is called a _____ on the internet."
    assert q["accept"] == ["domain name", "domain"]


def test_a_matching_question_gets_numbered_pairs_and_general_feedback():
    assert fixture_questions()["q-triple-helix-roles"] == {
        "id": "q-triple-helix-roles",
        "title": "Triple helix roles",
        "type": "matching",
        "text": "Match each actor to its main role in a cluster.",
        "pairs": [
            {"id": "p1", "prompt": "Government", "match": "Sets policy and funds development"},
            {"id": "p2", "prompt": "University", "match": "Research, education and skills"},
            {"id": "p3", "prompt": "Firms", "match": "Products, jobs and investment"},
        ],
        "feedback": "Together they form the triple helix.",
    }


def test_a_numeric_answer_with_tolerance_keeps_value_and_tolerance():
    assert fixture_questions()["q-pilot-group-size"]["answers"] == [
        {"value": 10, "tolerance": 2, "fraction": 100}
    ]


def test_a_numeric_range_becomes_min_and_max():
    q = next(q for q in fixture_questions().values() if q["text"].startswith("Cluster meetings"))
    assert q == {
        "id": "q8",
        "type": "numeric",
        "text": "Cluster meetings work best when they last between _____ hours, "
        "according to the facilitators' survey.",
        "answers": [{"min": 1, "max": 3, "fraction": 100}],
    }


def test_several_numeric_answers_keep_their_fractions_and_feedback():
    assert fixture_questions()["q-gdpr-adopted"] == {
        "id": "q-gdpr-adopted",
        "title": "GDPR adopted",
        "type": "numeric",
        "text": "In which year was the EU General Data Protection Regulation (GDPR) adopted?",
        "answers": [
            {"value": 2016, "tolerance": 0, "fraction": 100,
             "feedback": "Correct: it was adopted in April 2016."},
            {"value": 2018, "tolerance": 0, "fraction": 50,
             "feedback": "Close: 2018 is when it started to apply."},
            {"value": 2020, "tolerance": 0, "fraction": 0,
             "feedback": "No: the GDPR is older than that."},
        ],
        "feedback": "It applies since 25 May 2018.",
    }


def test_numeric_answers_may_mix_values_and_ranges_and_decimals():
    questions = fixture_questions()
    assert questions["q-open-rate"]["answers"] == [
        {"value": 25, "tolerance": 0, "fraction": 100},
        {"min": 24, "max": 26, "fraction": 50, "feedback": "Almost: check your rounding."},
    ]
    assert questions["q-website-visitors"]["answers"] == [
        {"value": 25, "tolerance": 0.5, "fraction": 100}
    ]


def test_escaped_special_characters_are_plain_characters_everywhere():
    q = fixture_questions()["q-hashtag-character"]
    assert q["text"] == "Which character starts a hashtag such as #ShopLocal?"
    assert [o["text"] for o in q["options"]] == ["#", "~", "=", "{ }"]
    assert q["options"][0]["feedback"] == "Right: the hash sign, also called the number sign."


def test_escaped_backslashes_and_newlines_become_backslashes_and_line_breaks():
    q = fixture_questions()["q-windows-path"]
    assert q["text"] == (
        "On Windows, a shared folder of the cluster is written like \\\\fileserver\\cluster-docs.\n"
        "True or false: this path uses backslashes."
    )


def test_escaped_braces_equals_and_colons_in_text_and_answers():
    questions = fixture_questions()
    assert questions["q-curly-braces"]["text"] == (
        "In a spreadsheet formula such as {=SUM(A1:A3)}, the curly braces show an array formula."
    )
    assert questions["q-escaped-colons"]["text"] == "What is the time 14:30 on a 12-hour clock?"
    assert questions["q-escaped-colons"]["accept"] == ["2:30 pm", "2:30 PM", "half past two"]
    assert questions["q-shared-costs"]["feedback"] == "12000 / 8 = 1500."


def test_format_prefixes_are_stripped():
    questions = fixture_questions()
    assert questions["q-shared-costs"]["text"].startswith("A cluster of 8 firms")
    assert questions["q-https"]["text"].startswith("A web shop should use HTTPS")
    assert questions["q-windows-path"]["text"].startswith("On Windows")
    assert questions["q-what-is-a-cluster"]["text"].startswith("Which of these")


def test_comment_lines_inside_a_question_are_ignored():
    assert fixture_questions()["q-website-visitors"]["text"] == (
        "A shop's website had 1200 visitors in March and 1500 in April.\n"
        "By how many percent did the visitors grow?"
    )


def test_untitled_questions_are_numbered_by_their_position():
    questions = fixture_questions()
    assert questions["q30"]["text"] == (
        "Which of these is an example of cooperation between competing firms?"
    )
    assert "title" not in questions["q30"]


# --- small inputs: mapping details ----------------------------------------------------------


def test_categories_and_comments_are_ignored():
    gift = "$CATEGORY: $course$/top/Clusters\n\n// a comment\n// another\n\nIs a cluster a region? {T}\n"
    assert one(gift) == {"id": "q1", "type": "truefalse", "text": "Is a cluster a region?", "answer": True}


def test_a_category_line_directly_above_a_question_is_ignored_too():
    q = one("$CATEGORY: top/Clusters\n::Q::Clusters are regional. {TRUE}\n")
    assert q["id"] == "q-q" and q["answer"] is True


def test_long_and_short_true_false_tokens_are_both_understood():
    assert one("A {T} statement.")["answer"] is True
    assert one("Statement {TRUE}")["answer"] is True
    assert one("Statement {F}")["answer"] is False
    assert one("Statement {FALSE}")["answer"] is False
    assert one("Statement {true}")["answer"] is True


def test_a_bare_answer_is_a_short_answer_like_moodle_reads_it():
    assert one("Who founded the cluster? {no one}")["accept"] == ["no one"]


def test_a_single_equals_answer_without_alternatives_is_a_short_answer():
    q = one("Name the method. {=SWOT}")
    assert q["type"] == "short" and q["accept"] == ["SWOT"]


def test_a_missing_word_before_punctuation_keeps_the_punctuation_attached():
    assert one("The capital of Norway is {=Oslo ~Bergen}.")["text"] == "The capital of Norway is _____."


def test_a_missing_word_at_the_start_of_the_text():
    assert one("{=Asia ~Europe} is the largest continent.")["text"] == "_____ is the largest continent."


def test_general_feedback_after_numeric_answer():
    q = one("How many? {#7####Seven steps.}")
    assert q["answers"] == [{"value": 7, "tolerance": 0, "fraction": 100}]
    assert q["feedback"] == "Seven steps."


def test_a_numeric_answer_with_feedback_and_a_decimal_value():
    q = one("Pi? {#3.14:0.01#Close enough.}")
    assert q["answers"] == [{"value": 3.14, "tolerance": 0.01, "fraction": 100, "feedback": "Close enough."}]


def test_negative_numbers_and_ranges_are_understood():
    assert one("Lowest? {#-5..-1}")["answers"] == [{"min": -5, "max": -1, "fraction": 100}]
    assert one("Temperature? {#-3:1}")["answers"] == [{"value": -3, "tolerance": 1, "fraction": 100}]


def test_html_text_without_tags_is_accepted():
    assert one("[html]Is 5 &gt; 3? {T}")["text"] == "Is 5 &gt; 3?"


def test_a_title_with_an_escaped_colon_and_accents_becomes_a_slug_id():
    q = one("::Step 1\\: Café idées::Ready? {T}")
    assert q["id"] == "q-step-1-cafe-idees"
    assert q["title"] == "Step 1: Café idées"


def test_a_title_without_letters_or_digits_falls_back_to_a_numbered_id():
    assert one("::???::Ready? {T}")["id"] == "q1"


def test_duplicate_titles_get_unique_ids():
    result = parse_gift("::Trust::One? {T}\n\n::Trust::Two? {F}\n\n::trust!::Three? {T}\n")
    assert [q["id"] for q in result.questions] == ["q-trust", "q-trust-2", "q-trust-3"]


def test_untitled_ids_count_every_question_including_titled_ones():
    result = parse_gift("::Intro::One? {T}\n\nTwo? {F}\n\nThree? {T}\n")
    assert [q["id"] for q in result.questions] == ["q-intro", "q2", "q3"]


def test_option_ids_continue_after_z():
    options = " ".join(f"~opt{i}" for i in range(27))
    q = one(f"Pick one {{={'right'} {options}}}")
    ids = [o["id"] for o in q["options"]]
    assert ids[:3] == ["a", "b", "c"] and ids[25:28] == ["z", "aa", "ab"]


def test_windows_line_endings_and_a_byte_order_mark_are_accepted():
    result = parse_gift("\ufeff::A::One? {T}\r\n\r\n::B::Two? {\r\n=x\r\n~y\r\n}\r\n")
    assert result.errors == [] and [q["id"] for q in result.questions] == ["q-a", "q-b"]
    assert result.questions[1]["options"][0]["text"] == "x"


def test_questions_may_be_separated_by_lines_of_spaces():
    assert len(parse_gift("One? {T}\n   \nTwo? {F}\n").questions) == 2


# --- malformed input: errors with line numbers ----------------------------------------------


def test_an_unclosed_brace_is_reported_at_its_line():
    assert problems("// intro\n\n::Q::Text\n{=a ~b\n") == [(4, "'{' is never closed")]


def test_a_closing_brace_without_an_opening_one_is_reported():
    assert problems("Text =a ~b}\n") == [
        (1, "'}' without a matching '{' (write \\} for a literal brace)")
    ]


def test_a_brace_inside_an_answer_block_is_reported():
    assert problems("Text {\n=a\n~{b}\n}\n") == [
        (3, "'{' inside an answer block (write \\{ for a literal brace)")
    ]


def test_two_answer_blocks_in_one_question_are_reported():
    assert problems("Text {=a ~b}\nmore {=c ~d}\n") == [(2, "more than one answer block in one question")]


def test_an_unclosed_title_is_reported():
    assert problems("\n::Title Text {T}\n") == [(2, "the question title is not closed with '::'")]


def test_a_question_without_text_is_reported():
    assert problems("::Title::{=a ~b}\n") == [(1, "the question has no text")]


def test_an_empty_choice_answer_is_reported_at_its_line():
    assert problems("Pick {\n=a\n~\n~c\n}\n") == [(3, "empty answer")]


def test_an_empty_short_answer_is_reported():
    assert problems("Name {= =b}\n") == [(1, "empty answer")]


def test_a_numeric_answer_that_is_not_a_number_is_reported():
    assert problems("How many? {#seven}\n") == [(1, "numeric answer 'seven' is not a number")]


def test_a_numeric_tolerance_that_is_not_a_number_is_reported():
    assert problems("How many? {#7:a few}\n") == [(1, "tolerance 'a few' is not a number")]


def test_a_negative_tolerance_is_reported():
    assert problems("How many? {#7:-1}\n") == [(1, "tolerance '-1' is negative")]


def test_a_numeric_range_that_is_not_two_numbers_is_reported():
    assert problems("How many? {#one..5}\n") == [(1, "numeric range 'one..5' is not two numbers (write min..max)")]


def test_a_numeric_range_upside_down_is_reported():
    assert problems("How many? {#5..1}\n") == [(1, "numeric range '5..1' has its minimum above its maximum")]


def test_an_empty_numeric_question_is_reported():
    assert problems("How many? {#}\n") == [(1, "the numeric question has no answer")]


def test_a_numeric_question_without_a_full_credit_answer_is_reported():
    assert problems("Year?\n{#\n=%50%2016\n~2018\n}\n") == [(2, "the numeric question has no answer worth 100%")]


def test_multiple_numeric_answers_report_each_bad_answer_at_its_line():
    assert problems("Year? {#\n=2016\n=%50%twenty\n=%50%2018:x\n}\n") == [
        (3, "numeric answer 'twenty' is not a number"),
        (4, "tolerance 'x' is not a number"),
    ]


def test_a_multiple_choice_without_a_correct_answer_is_reported():
    expected = "the multiple-choice question has no correct answer (mark one with = or a positive %weight%)"
    assert problems("Pick\n{~a ~b ~c}\n") == [(2, expected)]
    assert problems("Pick {~%-50%a ~%0%b}\n") == [(1, expected)]


def test_a_multiple_choice_with_a_single_answer_is_reported():
    assert problems("Pick {~%100%a}\n") == [(1, "a multiple-choice question needs at least two answers")]


def test_a_weight_that_is_not_a_number_is_reported():
    assert problems("Pick {\n=a\n~%half%b\n}\n") == [(3, "weight '%half%' is not a number")]


def test_a_weight_outside_minus_100_to_100_is_reported():
    assert problems("Pick {~%150%a ~%-50%b}\n") == [(1, "weight 150% is not between -100 and 100")]


def test_positive_weights_of_a_multiple_question_must_add_up_to_100():
    assert problems("Pick {~%50%a ~%30%b ~%-100%c}\n") == [(1, "the positive weights add up to 80%, not 100%")]


def test_positive_weights_of_a_third_each_are_accepted():
    q = one("Pick {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert [o["weight"] for o in q["options"]] == [33.33333, 33.33333, 33.33333, -100]


def test_a_wrong_answer_worth_full_credit_in_a_single_question_is_reported():
    assert problems("Pick {\n=a\n~%100%b\n}\n") == [
        (3, "only the = answer of a single-choice question may be worth 100%")
    ]


def test_text_before_the_first_choice_marker_is_reported():
    assert problems("Pick {a ~b =c}\n") == [(1, "an answer must start with = (right) or ~ (wrong)")]


def test_two_feedbacks_on_one_answer_are_reported():
    assert problems("Pick {=a #yes #really ~b}\n") == [
        (1, "more than one '#' feedback in one answer (write \\# for a literal #)")
    ]


def test_true_false_with_three_feedbacks_is_reported():
    assert problems("Sure? {T#a#b#c}\n") == [
        (1, "a true/false answer takes at most two feedbacks: {T#if wrong#if right}")
    ]


def test_a_matching_question_with_one_pair_is_reported():
    assert problems("Match {=a -> b}\n") == [(1, "a matching question needs at least two pairs")]


def test_a_matching_pair_without_an_arrow_is_reported_at_its_line():
    assert problems("Match {\n=a -> b\n=c d\n=e -> f\n}\n") == [(3, "matching pair without '->'")]


def test_a_matching_pair_without_a_match_is_reported():
    assert problems("Match {\n=a -> b\n=c ->\n}\n") == [(3, "matching pair with an empty match")]


def test_every_error_in_a_file_is_collected_in_line_order():
    gift = (
        "// three broken questions and a good one\n"
        "Pick {~a ~b}\n"
        "\n"
        "Good? {T}\n"
        "\n"
        "How many? {#lots}\n"
        "\n"
        "Match {\n"
        "=a -> b\n"
        "=c\n"
        "}\n"
    )
    result = parse_gift(gift)
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "the multiple-choice question has no correct answer (mark one with = or a positive %weight%)"),
        (6, "numeric answer 'lots' is not a number"),
        (10, "matching pair without '->'"),
    ]
    assert [q["text"] for q in result.questions] == ["Good?"]


# --- unsupported features --------------------------------------------------------------------


def test_an_essay_question_is_reported_as_unsupported():
    assert problems("\n::Essay::How are you? {}\n") == [(2, "unsupported GIFT feature: essay question")]


def test_an_essay_with_general_feedback_is_reported_as_unsupported():
    assert problems("How are you? {\n####We hope well.\n}\n") == [(1, "unsupported GIFT feature: essay question")]


def test_a_description_is_reported_as_unsupported():
    assert problems("One? {T}\n\n// explain\nThe next questions are about clusters.\n") == [
        (4, "unsupported GIFT feature: description (text without an answer block)")
    ]


def test_html_text_with_tags_is_reported_as_unsupported():
    assert problems("[html]Is <b>this</b> bold? {T}\n") == [(1, "unsupported GIFT feature: HTML-formatted text")]


def test_html_in_an_answer_of_an_html_question_is_reported_at_the_answer_line():
    assert problems("[html]Pick one {\n=<i>a</i>\n~b\n}\n") == [
        (2, "unsupported GIFT feature: HTML-formatted text")
    ]


def test_html_feedback_is_reported_as_unsupported():
    assert problems("Pick {=a #[html]<p>Yes</p> ~b}\n") == [(1, "unsupported GIFT feature: HTML-formatted text")]


def test_a_matching_distractor_is_reported_as_unsupported():
    assert problems("Match {\n=a -> b\n=c -> d\n= -> e\n}\n") == [
        (4, "unsupported GIFT feature: matching distractor (a match without a prompt)")
    ]


def test_feedback_on_matching_pairs_is_reported_as_unsupported():
    assert problems("Match {\n=a -> b #yes\n=c -> d\n}\n") == [
        (2, "unsupported GIFT feature: feedback on matching pairs")
    ]


def test_feedback_on_short_answers_is_reported_as_unsupported():
    assert problems("Name it {=Co-in-Co #Right}\n") == [(1, "unsupported GIFT feature: feedback on short answers")]


def test_partial_credit_on_short_answers_is_reported_as_unsupported():
    assert problems("Name it {\n=Co-in-Co\n=%50%Coinco\n}\n") == [
        (3, "unsupported GIFT feature: partial credit on short answers")
    ]


def test_embedded_files_are_reported_as_unsupported():
    assert problems('See <img src="@@PLUGINFILE@@/map.png"> {T}\n') == [
        (1, "unsupported GIFT feature: embedded file (@@PLUGINFILE@@)")
    ]


def test_unsupported_features_and_errors_are_kept_apart_by_parse_gift():
    result = parse_gift("Essay {}\n\nPick {~a ~b}\n")
    assert result == GiftResult(
        questions=[],
        errors=[
            GiftError(3, "the multiple-choice question has no correct answer "
                         "(mark one with = or a positive %weight%)")
        ],
        unsupported=[GiftError(1, "unsupported GIFT feature: essay question")],
    )


# --- gift_to_quiz and dump_quiz_yaml ----------------------------------------------------------


def test_gift_to_quiz_produces_the_quiz_keys_in_the_order_of_the_format():
    quiz, errors = gift_to_quiz("Is a cluster regional? {T}", "cluster-basics")
    assert errors == []
    assert quiz == {
        "id": "cluster-basics",
        "language": "en",
        "title": "Cluster basics",
        "pass_mark": 70,
        "attempts": 0,
        "time_limit_minutes": 0,
        "shuffle": True,
        "draw": 0,
        "show_answers": "after_submit",
        "questions": [{"id": "q1", "type": "truefalse", "text": "Is a cluster regional?", "answer": True}],
    }
    assert list(quiz) == [
        "id", "language", "title", "pass_mark", "attempts", "time_limit_minutes",
        "shuffle", "draw", "show_answers", "questions",
    ]


def test_gift_to_quiz_uses_the_given_title_and_language():
    quiz, _ = gift_to_quiz("Er en klynge regional? {T}", "klynge", lang="nb", title="Quiz: klynger")
    assert quiz["language"] == "nb" and quiz["title"] == "Quiz: klynger"


def test_gift_to_quiz_produces_no_quiz_when_a_feature_is_unsupported():
    quiz, errors = gift_to_quiz("Good? {T}\n\nHow are you? {}\n", "mixed")
    assert quiz is None
    assert [str(e) for e in errors] == ["line 3: unsupported GIFT feature: essay question"]


def test_gift_to_quiz_returns_parse_errors_and_unsupported_features_together_by_line():
    quiz, errors = gift_to_quiz("Pick {~a ~b}\n\nEssay {}\n\nBad {#x}\n", "broken")
    assert quiz is None
    assert [e.line for e in errors] == [1, 3, 5]


def test_a_file_without_questions_produces_no_quiz():
    quiz, errors = gift_to_quiz("// only a comment\n\n$CATEGORY: top\n", "empty")
    assert quiz is None
    assert errors == [GiftError(1, "no questions found")]


def test_an_invalid_quiz_id_is_reported_without_a_line():
    quiz, errors = gift_to_quiz("Good? {T}", "My Quiz")
    assert quiz is None
    assert [str(e) for e in errors] == ["quiz id 'My Quiz' must be lowercase letters, digits and '-'"]


def test_a_gift_error_reads_as_line_and_message():
    assert str(GiftError(12, "unsupported GIFT feature: essay question")) == (
        "line 12: unsupported GIFT feature: essay question"
    )


def test_dump_quiz_yaml_keeps_key_order_unicode_and_long_lines():
    long_text = "Hvilken påstand om klynger er riktig? " * 5
    quiz, _ = gift_to_quiz(long_text + "{T}", "lang-tekst", lang="nb")
    text = dump_quiz_yaml(quiz)
    assert text.splitlines()[0] == "id: lang-tekst"
    assert "påstand" in text
    assert "text: " + long_text.strip() in text
    assert yaml.safe_load(text) == quiz


@pytest.mark.parametrize(
    "gift",
    [
        "Sure? {T#No.#Yes.}",
        "Pick {=a #fine ~%-50%b ~%25%c}",
        "Pick all {~%50%a ~%50%b ~%-100%c}",
        "Name {=x =y}",
        "Match {=a -> b =c -> d}",
        "Year {#=2016:0 =%50%2015..2017}",
        "Text with a newline\\nand a \\\\ backslash {T}",
    ],
)
def test_every_question_type_round_trips_through_yaml(gift):
    quiz, errors = gift_to_quiz(gift, "roundtrip")
    assert errors == []
    assert yaml.safe_load(dump_quiz_yaml(quiz)) == quiz
