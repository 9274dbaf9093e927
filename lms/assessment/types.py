"""Question types: one class each, registered by name (a new type is one class).

A type validates its YAML, lays out a question for one attempt (shuffled order and opaque
per-attempt tokens, so nothing in the page hints at the answer), reads the learner's answer
from a form, and grades it on the server.
"""
from __future__ import annotations

import math
import random
import secrets
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable

from lms.content.yamlines import line_of

Text = Callable[..., str]  # T(*path, default=...) -> translated text


class AnswerError(ValueError):
    """The submitted answer does not fit the question (unknown option, not a number ...)."""


@dataclass
class Graded:
    score: float  # 0..1 of the question's points
    correct: bool
    feedback: list[str] = field(default_factory=list)
    scored: bool = True


def _token() -> str:
    return secrets.token_hex(4)


def _items(q: dict, key: str) -> list[dict]:
    value = q.get(key)
    return value if isinstance(value, list) else []


def _ids_problems(q: dict, key: str, what: str) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for item in _items(q, key):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            problems.append((line_of(item, None, line_of(q, key)), f"every {what} needs an id"))
            continue
        if item["id"] in seen:
            problems.append((line_of(item, "id"), f"duplicate {what} id {item['id']!r}"))
        seen.add(item["id"])
    return problems


def _texts_problems(q: dict, key: str, fields: tuple[str, ...]) -> list[tuple[int, str]]:
    problems = []
    for item in _items(q, key):
        if isinstance(item, dict):
            for f in fields:
                if not isinstance(item.get(f), str) or not item[f].strip():
                    problems.append((line_of(item), f"{key[:-1]} {item.get('id')!r} needs a text '{f}'"))
    return problems


class QuestionType(ABC):
    name: str = ""
    scored = True

    def validate(self, q: dict) -> list[tuple[int, str]]:
        return []

    @abstractmethod
    def layout(self, q: dict, rng: random.Random, shuffle: bool) -> dict: ...

    @abstractmethod
    def present(self, q: dict, layout: dict, T: Text) -> dict:
        """What the page may show: texts and opaque tokens, never the answer."""

    @abstractmethod
    def parse(self, q: dict, layout: dict, get: Callable[[str], list[str]]) -> Any:
        """Read the answer from form values (``get(name) -> list``); None when unanswered."""

    @abstractmethod
    def grade(self, q: dict, answer: Any, T: Text, lang: str) -> Graded: ...

    def solution(self, q: dict, T: Text) -> list[str]:
        """The correct answer as lines of text, shown when the policy allows."""
        return []

    def saved_form_values(self, q: dict, layout: dict, answer: Any) -> dict[str, list[str]]:
        """Turn a saved answer back into form values, to re-fill the page after a reload."""
        return {}


REGISTRY: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    if not cls.name or cls.name in REGISTRY:
        raise RuntimeError(f"question type {cls.name!r} has no name or is registered twice")
    REGISTRY[cls.name] = cls()
    return cls


def get_type(name: str) -> QuestionType:
    return REGISTRY[name]


# -- choice questions ------------------------------------------------------------------------


class _Choice(QuestionType):
    def validate(self, q):
        problems = _ids_problems(q, "options", "option") + _texts_problems(q, "options", ("text",))
        opts = _items(q, "options")
        if len(opts) < 2:
            problems.append((line_of(q), "a choice question needs at least two options"))
        for o in opts:
            if isinstance(o, dict) and "weight" in o:
                w = o["weight"]
                if not isinstance(w, (int, float)) or not -100 <= w <= 100:
                    problems.append((line_of(o, "weight"), "weight must be a number from -100 to 100"))
        return problems

    def _correct(self, q) -> set[str]:
        out = set()
        for o in _items(q, "options"):
            weight = o.get("weight")
            if o.get("correct") is True or (weight is not None and weight > 0 and "correct" not in o):
                out.add(o["id"])
        return out

    def layout(self, q, rng, shuffle):
        ids = [o["id"] for o in _items(q, "options")]
        if shuffle:
            rng.shuffle(ids)
        return {"options": [[_token(), oid] for oid in ids]}

    def present(self, q, layout, T):
        return {
            "options": [{"token": tok, "text": T("options", oid, "text")} for tok, oid in layout["options"]],
        }

    def _lookup(self, layout) -> dict[str, str]:
        return {tok: oid for tok, oid in layout["options"]}

    def _option(self, q, oid) -> dict:
        return next(o for o in _items(q, "options") if o["id"] == oid)

    def saved_form_values(self, q, layout, answer):
        back = {oid: tok for tok, oid in layout["options"]}
        chosen = answer if isinstance(answer, list) else [answer]
        return {"": [back[o] for o in chosen if o in back]}

    def _option_feedback(self, q, chosen, T) -> list[str]:
        out = []
        for oid in chosen:
            text = T("options", oid, "feedback", default=self._option(q, oid).get("feedback") or "")
            if text:
                out.append(text)
        return out

    def solution(self, q, T):
        return [T("options", oid, "text") for oid in (o["id"] for o in _items(q, "options")) if oid in self._correct(q)]


@register
class SingleChoice(_Choice):
    name = "single"

    def validate(self, q):
        problems = super().validate(q)
        if not any("weight" in o for o in _items(q, "options") if isinstance(o, dict)):
            n = sum(1 for o in _items(q, "options") if isinstance(o, dict) and o.get("correct") is True)
            if n != 1:
                problems.append((line_of(q), f"a single-choice question needs exactly one correct option, not {n}"))
        return problems

    def parse(self, q, layout, get):
        values = get("")
        if not values or values == [""]:
            return None
        if len(values) > 1:
            raise AnswerError("more than one option chosen")
        lookup = self._lookup(layout)
        if values[0] not in lookup:
            raise AnswerError("unknown option")
        return lookup[values[0]]

    def grade(self, q, answer, T, lang):
        if answer is None:
            return Graded(0.0, False)
        opt = self._option(q, answer)
        if "weight" in opt:
            score = max(0.0, min(1.0, float(opt["weight"]) / 100))
        else:
            score = 1.0 if opt.get("correct") is True else 0.0
        return Graded(score, score >= 1.0, self._option_feedback(q, [answer], T))


@register
class MultipleResponse(_Choice):
    name = "multiple"

    def validate(self, q):
        problems = super().validate(q)
        if not self._correct(q):
            problems.append((line_of(q), "a multiple-response question needs at least one correct option"))
        if q.get("scoring", "all-or-nothing") not in ("all-or-nothing", "partial"):
            problems.append((line_of(q, "scoring"), "scoring must be 'partial' or 'all-or-nothing'"))
        return problems

    def parse(self, q, layout, get):
        values = [v for v in get("") if v]
        if not values:
            return None
        lookup = self._lookup(layout)
        if any(v not in lookup for v in values):
            raise AnswerError("unknown option")
        return sorted({lookup[v] for v in values})

    def grade(self, q, answer, T, lang):
        chosen = set(answer or [])
        correct = self._correct(q)
        opts = _items(q, "options")
        if any("weight" in o for o in opts):
            total = sum(float(o.get("weight", 0)) for o in opts if o["id"] in chosen)
            score = max(0.0, min(1.0, total / 100))
        elif q.get("scoring") == "partial":
            right = len(chosen & correct)
            wrong = len(chosen - correct)
            score = max(0.0, (right - wrong) / len(correct))
        else:
            score = 1.0 if chosen == correct else 0.0
        return Graded(score, chosen == correct, self._option_feedback(q, sorted(chosen), T))


@register
class TrueFalse(QuestionType):
    name = "truefalse"

    def validate(self, q):
        if not isinstance(q.get("answer"), bool):
            return [(line_of(q, "answer"), "a true/false question needs 'answer: true' or 'answer: false'")]
        return []

    def layout(self, q, rng, shuffle):
        return {"options": [[_token(), True], [_token(), False]]}

    def present(self, q, layout, T):
        from flask_babel import gettext as _

        return {"options": [{"token": tok, "text": _("True") if val else _("False")} for tok, val in layout["options"]]}

    def parse(self, q, layout, get):
        values = get("")
        if not values or values == [""]:
            return None
        lookup = {tok: val for tok, val in layout["options"]}
        if len(values) > 1 or values[0] not in lookup:
            raise AnswerError("unknown option")
        return lookup[values[0]]

    def saved_form_values(self, q, layout, answer):
        return {"": [tok for tok, val in layout["options"] if val == answer]}

    def grade(self, q, answer, T, lang):
        if answer is None:
            return Graded(0.0, False)
        key = "feedback_true" if answer else "feedback_false"
        text = T(key, default=q.get(key) or "")
        ok = answer == q["answer"]
        return Graded(1.0 if ok else 0.0, ok, [text] if text else [])

    def solution(self, q, T):
        from flask_babel import gettext as _

        return [_("True") if q["answer"] else _("False")]


@register
class Matching(QuestionType):
    name = "matching"

    def validate(self, q):
        problems = _ids_problems(q, "pairs", "pair") + _texts_problems(q, "pairs", ("prompt", "match"))
        if len(_items(q, "pairs")) < 2:
            problems.append((line_of(q), "a matching question needs at least two pairs"))
        return problems

    def layout(self, q, rng, shuffle):
        prompts = [p["id"] for p in _items(q, "pairs")]
        matches = list(prompts)
        rng.shuffle(matches)  # always shuffled: in file order every answer would be the diagonal
        if shuffle:
            rng.shuffle(prompts)
        return {"prompts": [[_token(), pid] for pid in prompts], "matches": [[_token(), pid] for pid in matches]}

    def present(self, q, layout, T):
        return {
            "prompts": [{"token": tok, "text": T("pairs", pid, "prompt")} for tok, pid in layout["prompts"]],
            "matches": [{"token": tok, "text": T("pairs", pid, "match")} for tok, pid in layout["matches"]],
        }

    def parse(self, q, layout, get):
        lookup = {tok: pid for tok, pid in layout["matches"]}
        out = {}
        for tok, pid in layout["prompts"]:
            values = [v for v in get(tok) if v]
            if not values:
                continue
            if len(values) > 1 or values[0] not in lookup:
                raise AnswerError("unknown match")
            out[pid] = lookup[values[0]]
        return out or None

    def saved_form_values(self, q, layout, answer):
        back = {pid: tok for tok, pid in layout["matches"]}
        return {tok: [back[answer[pid]]] for tok, pid in layout["prompts"] if answer and pid in answer}

    def grade(self, q, answer, T, lang):
        pairs = _items(q, "pairs")
        answer = answer or {}
        right = sum(1 for p in pairs if answer.get(p["id"]) == p["id"])
        return Graded(right / len(pairs), right == len(pairs))

    def solution(self, q, T):
        return [f"{T('pairs', p['id'], 'prompt')} → {T('pairs', p['id'], 'match')}" for p in _items(q, "pairs")]


@register
class Ordering(QuestionType):
    name = "ordering"

    def validate(self, q):
        problems = _ids_problems(q, "items", "item") + _texts_problems(q, "items", ("text",))
        if len(_items(q, "items")) < 2:
            problems.append((line_of(q), "an ordering question needs at least two items"))
        return problems

    def layout(self, q, rng, shuffle):
        ids = [i["id"] for i in _items(q, "items")]
        shown = list(ids)
        while len(shown) > 1 and shown == ids:
            rng.shuffle(shown)
        return {"items": [[_token(), iid] for iid in shown]}

    def present(self, q, layout, T):
        n = len(layout["items"])
        return {"items": [{"token": tok, "text": T("items", iid)} for tok, iid in layout["items"]], "positions": list(range(1, n + 1))}

    def parse(self, q, layout, get):
        n = len(layout["items"])
        chosen: dict[str, int] = {}
        for tok, iid in layout["items"]:
            values = [v for v in get(tok) if v]
            if not values:
                continue
            try:
                pos = int(values[0])
            except ValueError as exc:
                raise AnswerError("position is not a number") from exc
            if not 1 <= pos <= n:
                raise AnswerError("position out of range")
            chosen[iid] = pos
        return chosen or None

    def saved_form_values(self, q, layout, answer):
        return {tok: [str(answer[iid])] for tok, iid in layout["items"] if answer and iid in answer}

    def grade(self, q, answer, T, lang):
        ids = [i["id"] for i in _items(q, "items")]
        answer = answer or {}
        right = sum(1 for pos, iid in enumerate(ids, start=1) if answer.get(iid) == pos)
        return Graded(right / len(ids), right == len(ids))

    def solution(self, q, T):
        return [f"{n}. {T('items', i['id'])}" for n, i in enumerate(_items(q, "items"), start=1)]


def normalise_text(value: str, case_sensitive: bool, accent_sensitive: bool) -> str:
    value = " ".join(value.split())
    if not accent_sensitive:
        value = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
        # letters that are not composed with a combining mark
        value = value.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ß": "ss", "ł": "l"}))
    if not case_sensitive:
        value = value.casefold()
    return unicodedata.normalize("NFC", value)


class _TypedAnswer(QuestionType):
    """Questions answered by typing (or rating): nothing to shuffle, nothing extra to show."""

    def layout(self, q, rng, shuffle):
        return {}

    def present(self, q, layout, T):
        return {}


@register
class ShortText(_TypedAnswer):
    name = "short"

    def validate(self, q):
        acc = q.get("accept")
        if not isinstance(acc, list) or not acc or not all(isinstance(a, (str, int, float)) for a in acc):
            return [(line_of(q, "accept"), "a short-text question needs a non-empty 'accept' list")]
        return []

    def parse(self, q, layout, get):
        values = get("")
        value = (values[0] if values else "").strip()
        if len(value) > 500:
            raise AnswerError("answer too long")
        return value or None

    def saved_form_values(self, q, layout, answer):
        return {"": [answer or ""]}

    def grade(self, q, answer, T, lang):
        if not answer:
            return Graded(0.0, False)
        cs, acs = bool(q.get("case_sensitive", False)), bool(q.get("accent_sensitive", False))
        accepted = [str(a) for a in q["accept"]] + [str(a) for a in (T("accept", default=None, raw=True) or [])]
        norm = normalise_text(answer, cs, acs)
        ok = any(normalise_text(a, cs, acs) == norm for a in accepted)
        return Graded(1.0 if ok else 0.0, ok)

    def solution(self, q, T):
        return [str(q["accept"][0])]


@register
class Numeric(_TypedAnswer):
    name = "numeric"

    def validate(self, q):
        answers = q.get("answers")
        if not isinstance(answers, list) or not answers:
            return [(line_of(q), "a numeric question needs an 'answers' list")]
        problems = []
        for a in answers:
            if not isinstance(a, dict):
                problems.append((line_of(q, "answers"), "each numeric answer is a mapping"))
            elif "value" in a:
                if not isinstance(a["value"], (int, float)) or not isinstance(a.get("tolerance", 0), (int, float)):
                    problems.append((line_of(a), "value and tolerance must be numbers"))
            elif not (isinstance(a.get("min"), (int, float)) and isinstance(a.get("max"), (int, float)) and a["min"] <= a["max"]):
                problems.append((line_of(a), "a numeric answer needs 'value' (and 'tolerance') or 'min' <= 'max'"))
        return problems

    def parse(self, q, layout, get):
        values = get("")
        raw = (values[0] if values else "").strip().replace(",", ".").replace(" ", "").replace("\u00a0", "")
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError as exc:
            raise AnswerError("not a number") from exc
        if not math.isfinite(value):
            raise AnswerError("not a number")
        return value

    def saved_form_values(self, q, layout, answer):
        return {"": ["" if answer is None else f"{answer:g}"]}

    def grade(self, q, answer, T, lang):
        if answer is None:
            return Graded(0.0, False)
        best = 0.0
        for a in q["answers"]:
            if "value" in a:
                hit = abs(answer - a["value"]) <= a.get("tolerance", 0) + 1e-9
            else:
                hit = a["min"] <= answer <= a["max"]
            if hit:
                best = max(best, float(a.get("fraction", 100)) / 100)
        return Graded(best, best >= 1.0)

    def solution(self, q, T):
        a = q["answers"][0]
        if "value" in a:
            tol = a.get("tolerance", 0)
            return [f"{a['value']:g}" + (f" ± {tol:g}" if tol else "")]
        return [f"{a['min']:g} – {a['max']:g}"]


@register
class Likert(_TypedAnswer):
    name = "likert"
    scored = False

    def validate(self, q):
        scale = q.get("scale", 5)
        if not isinstance(scale, int) or not 3 <= scale <= 10:
            return [(line_of(q, "scale"), "scale must be a whole number from 3 to 10")]
        return []

    def layout(self, q, rng, shuffle):
        return {}

    def present(self, q, layout, T):
        return {"scale": list(range(1, int(q.get("scale", 5)) + 1))}

    def parse(self, q, layout, get):
        values = get("")
        if not values or not values[0]:
            return None
        try:
            value = int(values[0])
        except ValueError as exc:
            raise AnswerError("not a rating") from exc
        if not 1 <= value <= int(q.get("scale", 5)):
            raise AnswerError("rating out of range")
        return value

    def saved_form_values(self, q, layout, answer):
        return {"": [str(answer)] if answer else []}

    def grade(self, q, answer, T, lang):
        return Graded(0.0, True, scored=False)
