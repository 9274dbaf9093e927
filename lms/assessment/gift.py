"""Convert Moodle GIFT question files to the LMS quiz format.

The target format is described in docs/course-format.md ("Quiz files"); what is converted and
what is reported is described in docs/gift-import.md. Pure Python: no Flask here.

Nothing is dropped silently: every GIFT construct is either converted or reported, with the
1-based line it is on, as an error (malformed input) or as an unsupported feature.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml

__all__ = ["GiftError", "GiftResult", "parse_gift", "gift_to_quiz", "dump_quiz_yaml"]


@dataclass
class GiftError:
    """A problem found in a GIFT file; ``line`` is 1-based (0: not tied to a line of the file)."""

    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return self.message
        return f"line {self.line}: {self.message}"


@dataclass
class GiftResult:
    questions: list[dict] = field(default_factory=list)
    errors: list[GiftError] = field(default_factory=list)
    unsupported: list[GiftError] = field(default_factory=list)


# --- escapes -------------------------------------------------------------------------------
# Escaped characters are replaced by private-use placeholders before parsing, so that they never
# count as GIFT syntax, and turned back into the characters they stand for in every output text.
_ESCAPES = {
    "\\": "\ue000",
    "=": "\ue001",
    "~": "\ue002",
    "#": "\ue003",
    "{": "\ue004",
    "}": "\ue005",
    ":": "\ue006",
    "n": "\ue007",
}
_UNESCAPE = str.maketrans(
    {
        "\ue000": "\\",
        "\ue001": "=",
        "\ue002": "~",
        "\ue003": "#",
        "\ue004": "{",
        "\ue005": "}",
        "\ue006": ":",
        "\ue007": "\n",
    }
)
_PLACEHOLDER_RE = re.compile("[\ue000-\ue007]")


def _protect(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_UNESCAPE)


def _norm(text: str) -> str:
    """Trim, and reduce the line breaks of a wrapped text (and blanked comments) to one."""
    return re.sub(r"[ \t]*\n\s*", "\n", text).strip()


# --- small helpers -------------------------------------------------------------------------
_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>|<!--")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TF_TOKENS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_QUIZ_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")


def _number(text: str):
    """The number written in ``text`` (int when whole), or None when it is not a plain number."""
    s = text.strip()
    if not _NUMBER_RE.match(s):
        return None
    value = float(s)
    if value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _option_id(index: int) -> str:
    """a, b, ... z, aa, ab, ..."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:48].strip("-")


@dataclass
class _Answer:
    marker: str  # "=", "~" or "" (text before the first marker)
    line: int
    weight: int | float | None
    text_raw: str
    feedback_raw: str | None
    ok: bool = True


class _Question:
    """One question: a run of non-blank lines of the file (comment lines blanked)."""

    def __init__(self, src: str, first_line: int):
        self.src = src
        self.first_line = first_line
        stripped = len(src) - len(src.lstrip())
        self.qline = self.line(stripped)
        self.errors: list[GiftError] = []
        self.unsupported: list[GiftError] = []
        self.title: str | None = None

    # reporting
    def line(self, offset: int) -> int:
        return self.first_line + self.src.count("\n", 0, offset)

    def error(self, line: int, message: str) -> None:
        self.errors.append(GiftError(line, message))

    def unsupported_feature(self, line: int, feature: str) -> None:
        message = f"unsupported GIFT feature: {feature}"
        if all(u.message != message for u in self.unsupported):
            self.unsupported.append(GiftError(line, message))

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.unsupported)

    # texts
    def text(self, raw: str | None, line: int, fmt: str) -> str:
        """A text (question, answer or feedback): format prefix stripped, escapes resolved."""
        if raw is None:
            return ""
        m = _FORMAT_RE.match(raw)
        if m:
            fmt = m.group(1).lower()
            raw = raw[m.end():]
        text = _restore(_norm(raw))
        if fmt == "html" and _TAG_RE.search(text):
            self.unsupported_feature(line, "HTML-formatted text")
        if "@@PLUGINFILE@@" in text:
            self.unsupported_feature(line, "embedded file (@@PLUGINFILE@@)")
        return text

    # answers
    def answers(self, content: str, base: int) -> list[_Answer]:
        """Split an answer list at every = and ~ (escaped ones are placeholders by now)."""
        marks = [m.start() for m in re.finditer(r"[=~]", content)]
        result = []
        lead = content[: marks[0]] if marks else content
        if lead.strip():
            start = len(lead) - len(lead.lstrip())
            result.append(self._answer("", base + start, lead))
        for k, i in enumerate(marks):
            end = marks[k + 1] if k + 1 < len(marks) else len(content)
            result.append(self._answer(content[i], base + i, content[i + 1:end]))
        return result

    def _answer(self, marker: str, offset: int, body: str) -> _Answer:
        line = self.line(offset)
        ok = True
        weight = None
        rest = body.lstrip()
        if rest.startswith("%"):
            end = rest.find("%", 1)
            if end > 0:
                raw_weight = rest[1:end].strip()
                weight = _number(raw_weight)
                if weight is None:
                    self.error(line, f"weight '%{_restore(raw_weight)}%' is not a number")
                    ok = False
                elif not -100 <= weight <= 100:
                    self.error(line, f"weight {raw_weight}% is not between -100 and 100")
                    ok = False
                rest = rest[end + 1:]
        pieces = rest.split("#")
        if len(pieces) > 2:
            self.error(line, "more than one '#' feedback in one answer (write \\# for a literal #)")
            ok = False
        feedback = pieces[1] if len(pieces) > 1 else None
        return _Answer(marker, line, weight, pieces[0], feedback, ok)

    # the question
    def parse(self) -> dict | None:
        src = self.src
        pos = len(src) - len(src.lstrip())
        if src.startswith("::", pos):
            end = src.find("::", pos + 2)
            if end < 0:
                self.error(self.qline, "the question title is not closed with '::'")
                return None
            self.title = _restore(_norm(src[pos + 2:end])) or None
            pos = end + 2

        blocks = []
        depth = 0
        open_at = -1
        structure_ok = True
        for i in range(pos, len(src)):
            c = src[i]
            if c == "{":
                if depth == 0:
                    open_at = i
                else:
                    self.error(self.line(i), "'{' inside an answer block (write \\{ for a literal brace)")
                    structure_ok = False
                depth += 1
            elif c == "}":
                if depth == 0:
                    self.error(self.line(i), "'}' without a matching '{' (write \\} for a literal brace)")
                    structure_ok = False
                else:
                    depth -= 1
                    if depth == 0:
                        blocks.append((open_at, i))
        if depth:
            self.error(self.line(open_at), "'{' is never closed")
            structure_ok = False
        if not structure_ok:
            return None
        if not blocks:
            self.unsupported_feature(self.qline, "description (text without an answer block)")
            return None
        if len(blocks) > 1:
            self.error(self.line(blocks[1][0]), "more than one answer block in one question")
            return None

        open_, close = blocks[0]
        block_line = self.line(open_)
        before, after = src[pos:open_], src[close + 1:]
        fmt = "moodle"
        m = _FORMAT_RE.match(before)
        if m:
            fmt = m.group(1).lower()
            before = before[m.end():]
        if after.strip():  # missing word: the block stands in the middle of the text
            head = before.rstrip()
            tail = after.lstrip()
            raw_text = (
                head + (" " if head and head != before else "") + "_____"
                + (" " if tail != after else "") + tail
            )
        else:
            raw_text = before
        text = self.text(raw_text, self.qline, fmt)
        if not text.strip("_ \n"):
            self.error(self.qline, "the question has no text")

        content = src[open_ + 1:close]
        base = open_ + 1
        general = ""
        g = content.find("####")
        if g >= 0:
            general = self.text(content[g + 4:], self.line(base + g), fmt)
            content = content[:g]

        stripped = content.strip()
        if not stripped:
            self.unsupported_feature(self.qline, "essay question")
            return None
        if stripped.startswith("#"):
            body = self.numeric(content, base, fmt, block_line)
        elif stripped.split("#")[0].strip().upper() in _TF_TOKENS:
            body = self.truefalse(content, block_line, fmt)
        elif "~" in content:
            body = self.choice(content, base, fmt, block_line)
        elif "=" in content and "->" in content:
            body = self.matching(content, base, fmt, block_line)
        else:
            body = self.short(content, base, fmt, block_line)
        if self.failed or body is None:
            return None
        question = {"id": None}
        if self.title:
            question["title"] = self.title
        question["type"] = body.pop("type")
        question["text"] = text
        question.update(body)
        if general:
            question["feedback"] = general
        return question

    # question types
    def choice(self, content: str, base: int, fmt: str, block_line: int) -> dict | None:
        answers = self.answers(content, base)
        options = []
        for a in answers:
            if a.marker == "":
                self.error(a.line, "an answer must start with = (right) or ~ (wrong)")
                continue
            text = self.text(a.text_raw, a.line, fmt)
            if not text:
                self.error(a.line, "empty answer")
            feedback = self.text(a.feedback_raw, a.line, fmt)
            explicit = a.weight
            weight = explicit if explicit is not None else (100 if a.marker == "=" else 0)
            options.append({"a": a, "text": text, "feedback": feedback, "weight": weight})
        if self.failed:
            return None
        if len(options) < 2:
            self.error(block_line, "a multiple-choice question needs at least two answers")
            return None
        weighted = any(o["a"].weight is not None for o in options)
        right = [o for o in options if o["a"].marker == "="]
        if len(right) == 1:
            qtype = "single"
            if right[0]["weight"] != 100:
                self.error(right[0]["a"].line,
                           "the = answer of a single-choice question is worth 100%; remove its %weight%")
            for o in options:
                if o["a"].marker == "~" and o["weight"] >= 100:
                    self.error(o["a"].line, "only the = answer of a single-choice question may be worth 100%")
            correct = [o is right[0] for o in options]
        elif len(right) >= 2 or weighted:
            qtype = "multiple"
            correct = [o["weight"] > 0 for o in options]
            if not any(correct):
                self.error(block_line,
                           "the multiple-choice question has no correct answer (mark one with = or a positive %weight%)")
            elif weighted:
                total = sum(o["weight"] for o in options if o["weight"] > 0)
                if abs(total - 100) > 0.1:
                    self.error(block_line, f"the positive weights add up to {total:g}%, not 100%")
        else:
            self.error(block_line,
                       "the multiple-choice question has no correct answer (mark one with = or a positive %weight%)")
            return None
        if self.failed:
            return None
        out = []
        for i, (o, is_correct) in enumerate(zip(options, correct)):
            option = {"id": _option_id(i), "text": o["text"]}
            if is_correct:
                option["correct"] = True
            if weighted:
                option["weight"] = o["weight"]
            if o["feedback"]:
                option["feedback"] = o["feedback"]
            out.append(option)
        return {"type": qtype, "options": out}

    def truefalse(self, content: str, block_line: int, fmt: str) -> dict | None:
        parts = content.strip().split("#")
        answer = _TF_TOKENS[parts[0].strip().upper()]
        if len(parts) > 3:
            self.error(block_line, "a true/false answer takes at most two feedbacks: {T#if wrong#if right}")
            return None
        # GIFT: the first feedback is shown for a wrong answer, the second for a right one.
        wrong = self.text(parts[1], block_line, fmt) if len(parts) > 1 else ""
        right = self.text(parts[2], block_line, fmt) if len(parts) > 2 else ""
        body = {"type": "truefalse", "answer": answer}
        fb_true, fb_false = (right, wrong) if answer else (wrong, right)
        if fb_true:
            body["feedback_true"] = fb_true
        if fb_false:
            body["feedback_false"] = fb_false
        return body

    def short(self, content: str, base: int, fmt: str, block_line: int) -> dict | None:
        accept = []
        for a in self.answers(content, base):
            # A bare answer ("{no one}") is accepted like "=no one", as Moodle does.
            if a.weight is not None and a.weight != 100:
                self.unsupported_feature(a.line, "partial credit on short answers")
            if a.feedback_raw is not None and a.feedback_raw.strip():
                self.unsupported_feature(a.line, "feedback on short answers")
            text = self.text(a.text_raw, a.line, fmt)
            if not text:
                self.error(a.line, "empty answer")
            accept.append(text)
        if self.failed:
            return None
        return {"type": "short", "accept": accept, "case_sensitive": False}

    def matching(self, content: str, base: int, fmt: str, block_line: int) -> dict | None:
        answers = self.answers(content, base)
        pairs = []
        for a in answers:
            if a.marker != "=":
                self.error(a.line, "a matching pair must start with =")
                continue
            if a.weight is not None:
                self.error(a.line, "matching pairs cannot carry a %weight%")
            if a.feedback_raw is not None:
                self.unsupported_feature(a.line, "feedback on matching pairs")
            if "->" not in a.text_raw:
                self.error(a.line, "matching pair without '->'")
                continue
            left, right = a.text_raw.split("->", 1)
            prompt = self.text(left, a.line, fmt)
            match = self.text(right, a.line, fmt)
            if not match:
                self.error(a.line, "matching pair with an empty match")
            if not prompt:
                self.unsupported_feature(a.line, "matching distractor (a match without a prompt)")
            pairs.append({"id": f"p{len(pairs) + 1}", "prompt": prompt, "match": match})
        if len(answers) < 2:
            self.error(block_line, "a matching question needs at least two pairs")
        if self.failed:
            return None
        return {"type": "matching", "pairs": pairs}

    def numeric(self, content: str, base: int, fmt: str, block_line: int) -> dict | None:
        lead = len(content) - len(content.lstrip())
        body = content[lead + 1:]
        body_base = base + lead + 1
        if not body.strip():
            self.error(block_line, "the numeric question has no answer")
            return None
        if body.lstrip()[:1] in ("=", "~"):
            answers = self.answers(body, body_base)
        else:
            start = len(body) - len(body.lstrip())
            answers = [self._answer("=", body_base + start, body)]
        result = []
        for a in answers:
            if a.marker == "":
                self.error(a.line, "an answer must start with = (right) or ~ (wrong)")
                continue
            if not a.ok:
                continue
            spec = a.text_raw.strip()
            shown = _restore(spec)
            if not spec:
                self.error(a.line, "empty answer")
                continue
            if ".." in spec:
                low_raw, high_raw = spec.split("..", 1)
                low, high = _number(low_raw), _number(high_raw)
                if low is None or high is None:
                    self.error(a.line, f"numeric range '{shown}' is not two numbers (write min..max)")
                    continue
                if low > high:
                    self.error(a.line, f"numeric range '{shown}' has its minimum above its maximum")
                    continue
                answer = {"min": low, "max": high}
            else:
                value_raw, _, tol_raw = spec.partition(":")
                value = _number(value_raw)
                if value is None:
                    self.error(a.line, f"numeric answer '{_restore(value_raw.strip())}' is not a number")
                    continue
                tolerance = _number(tol_raw) if tol_raw.strip() else 0
                if tolerance is None:
                    self.error(a.line, f"tolerance '{_restore(tol_raw.strip())}' is not a number")
                    continue
                if tolerance < 0:
                    self.error(a.line, f"tolerance '{tol_raw.strip()}' is negative")
                    continue
                answer = {"value": value, "tolerance": tolerance}
            answer["fraction"] = a.weight if a.weight is not None else (100 if a.marker == "=" else 0)
            feedback = self.text(a.feedback_raw, a.line, fmt)
            if feedback:
                answer["feedback"] = feedback
            result.append(answer)
        if self.failed:
            return None
        if not any(r["fraction"] == 100 for r in result):
            self.error(block_line, "the numeric question has no answer worth 100%")
            return None
        return {"type": "numeric", "answers": result}


def _chunks(text: str):
    """Yield (first_line, lines) for every run of non-blank lines, comment lines blanked."""
    start = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            if lines:
                yield start, lines
            start, lines = None, []
            continue
        if start is None:
            start = number
        lines.append("" if line.lstrip().startswith("//") else line)
    if lines:
        yield start, lines


def parse_gift(text: str) -> GiftResult:
    """Parse a GIFT file into questions of the LMS quiz format, collecting every problem."""
    result = GiftResult()
    if text.startswith("\ufeff"):
        text = text[1:]
    used_ids: set[str] = set()
    number = 0
    for first_line, lines in _chunks(text):
        content = [i for i, line in enumerate(lines) if line.strip()]
        if not content:
            continue  # comments only
        if lines[content[0]].lstrip().startswith("$CATEGORY:"):
            lines = list(lines)
            lines[content[0]] = ""  # categories do not exist in our format: ignored
            if not any(line.strip() for line in lines):
                continue
        bad = [(first_line + i, m.group()) for i, line in enumerate(lines)
               for m in [_PLACEHOLDER_RE.search(line)] if m]
        number += 1
        if bad:
            for line_no, char in bad:
                result.errors.append(GiftError(line_no, f"unexpected private-use character U+{ord(char):04X}"))
            continue
        q = _Question(_protect("\n".join(lines)), first_line)
        question = q.parse()
        result.errors.extend(q.errors)
        result.unsupported.extend(q.unsupported)
        if question is None:
            continue
        if q.title and _slug(q.title):
            base_id = f"q-{_slug(q.title)}"
        else:
            base_id = f"q{number}"
        qid, n = base_id, 1
        while qid in used_ids:
            n += 1
            qid = f"{base_id}-{n}"
        used_ids.add(qid)
        question["id"] = qid
        result.questions.append(question)
    result.errors.sort(key=lambda e: e.line)
    result.unsupported.sort(key=lambda e: e.line)
    return result


def gift_to_quiz(
    text: str, quiz_id: str, lang: str = "en", title: str | None = None
) -> tuple[dict | None, list[GiftError]]:
    """Convert a GIFT file into a quiz dict; returns (None, errors) when anything is wrong.

    Unsupported features count as errors: a file with either produces no quiz.
    """
    errors: list[GiftError] = []
    if not _QUIZ_ID_RE.match(quiz_id or ""):
        errors.append(GiftError(0, f"quiz id '{quiz_id}' must be lowercase letters, digits and '-'"))
    if not _LANG_RE.match(lang or ""):
        errors.append(GiftError(0, f"language '{lang}' is not a language code like 'en'"))
    result = parse_gift(text)
    errors.extend(sorted(result.errors + result.unsupported, key=lambda e: e.line))
    if not result.questions and not result.errors and not result.unsupported:
        errors.append(GiftError(1, "no questions found"))
    if errors:
        return None, errors
    if title is None:
        title = quiz_id.replace("-", " ").capitalize()
    quiz = {
        "id": quiz_id,
        "language": lang,
        "title": title,
        "pass_mark": 70,
        "attempts": 0,
        "time_limit_minutes": 0,
        "shuffle": True,
        "draw": 0,
        "show_answers": "after_submit",
        "questions": result.questions,
    }
    return quiz, []


def dump_quiz_yaml(quiz: dict) -> str:
    """The quiz as YAML, keys in the order of the format, texts unescaped (UTF-8)."""
    return yaml.safe_dump(
        quiz, sort_keys=False, allow_unicode=True, width=1_000_000, default_flow_style=False
    )
