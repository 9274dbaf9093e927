"""Quiz files: load and validate ``quizzes/<id>.yaml`` and its translations ``quizzes/<lang>/<id>.yaml``."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.assessment.types import REGISTRY, get_type
from lms.content.yamlines import YamlError, line_of, load

SHOW_ANSWERS = ("after_submit", "after_pass", "after_last_attempt", "never")


@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@dataclass
class Quiz:
    id: str
    path: Path
    data: dict
    translations: dict[str, dict] = field(default_factory=dict)

    @property
    def questions(self) -> list[dict]:
        return list(self.data.get("questions") or [])

    def question(self, qid: str) -> dict | None:
        return next((q for q in self.questions if q.get("id") == qid), None)

    def setting(self, key: str, default: Any) -> Any:
        value = self.data.get(key, default)
        return default if value is None else value

    @property
    def pass_mark(self) -> float:
        return float(self.setting("pass_mark", 70))

    @property
    def attempts_allowed(self) -> int:
        return int(self.setting("attempts", 0))

    @property
    def time_limit_minutes(self) -> int:
        return int(self.setting("time_limit_minutes", 0))

    @property
    def shuffle(self) -> bool:
        return bool(self.setting("shuffle", True))

    @property
    def draw(self) -> int:
        return int(self.setting("draw", 0))

    @property
    def show_answers(self) -> str:
        return str(self.setting("show_answers", "after_submit"))

    def title(self, lang: str) -> str:
        tr = self.translations.get(lang) or {}
        return tr.get("title") or self.data.get("title") or self.id

    def text(self, lang: str, qid: str):
        """A T(*path, default=...) function for one question in one language (English fallback)."""
        q = self.question(qid) or {}
        tr_q = ((self.translations.get(lang) or {}).get("questions") or {}).get(qid) or {}

        def base(path: tuple[str, ...]):
            node: Any = q
            for key in path:
                if isinstance(node, list):
                    node = next((i for i in node if isinstance(i, dict) and i.get("id") == key), None)
                elif isinstance(node, dict):
                    node = node.get(key)
                else:
                    return None
            if isinstance(node, dict) and "text" in node and path and path[0] == "items":
                return node["text"]
            return node

        def T(*path: str, default: Any = "", raw: bool = False):
            node: Any = tr_q
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if raw:
                return node if node is not None else default
            if isinstance(node, str) and node.strip():
                return node
            value = base(path)
            if isinstance(value, (str, int, float)):
                return str(value)
            return default

        return T


def _p(path: Path, root: Path, line: int, msg: str) -> Problem:
    try:
        rel = path.relative_to(root.parent)
    except ValueError:
        rel = path
    return Problem(str(rel), line, msg)


def validate_quiz_data(data: Any, path: Path, root: Path) -> list[Problem]:
    out: list[Problem] = []
    if not isinstance(data, dict):
        return [_p(path, root, 1, "a quiz file must be a mapping")]
    if data.get("id") != path.stem:
        out.append(_p(path, root, line_of(data, "id"), f"quiz id {data.get('id')!r} must equal the file name {path.stem!r}"))
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        out.append(_p(path, root, line_of(data, "title"), "a quiz needs a title"))
    for key, lo, hi in (("pass_mark", 0, 100), ("attempts", 0, 1000), ("time_limit_minutes", 0, 1440), ("draw", 0, 1000)):
        if key in data and (not isinstance(data[key], (int, float)) or isinstance(data[key], bool) or not lo <= data[key] <= hi):
            out.append(_p(path, root, line_of(data, key), f"{key} must be a number from {lo} to {hi}"))
    if "shuffle" in data and not isinstance(data["shuffle"], bool):
        out.append(_p(path, root, line_of(data, "shuffle"), "shuffle must be true or false"))
    if data.get("show_answers", "after_submit") not in SHOW_ANSWERS:
        out.append(_p(path, root, line_of(data, "show_answers"), "show_answers must be one of " + ", ".join(SHOW_ANSWERS)))
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        out.append(_p(path, root, line_of(data, "questions"), "a quiz needs a non-empty 'questions' list"))
        return out
    seen: set[str] = set()
    for q in questions:
        if not isinstance(q, dict):
            out.append(_p(path, root, line_of(questions), "each question must be a mapping"))
            continue
        qid = q.get("id")
        if not isinstance(qid, str) or not qid:
            out.append(_p(path, root, line_of(q), "every question needs an id"))
        elif qid in seen:
            out.append(_p(path, root, line_of(q, "id"), f"duplicate question id {qid!r}"))
        else:
            seen.add(qid)
        if q.get("type") not in REGISTRY:
            out.append(_p(path, root, line_of(q, "type"), f"unknown question type {q.get('type')!r}; known: {', '.join(sorted(REGISTRY))}"))
            continue
        if not isinstance(q.get("text"), str) or not q["text"].strip():
            out.append(_p(path, root, line_of(q), f"question {qid!r} needs a text"))
        if "points" in q and (not isinstance(q["points"], (int, float)) or q["points"] <= 0):
            out.append(_p(path, root, line_of(q, "points"), "points must be a positive number"))
        for line, msg in get_type(q["type"]).validate(q):
            out.append(_p(path, root, line, f"question {qid!r}: {msg}"))
    draw = data.get("draw", 0)
    if isinstance(draw, int) and draw > len(questions):
        out.append(_p(path, root, line_of(data, "draw"), f"draw {draw} is more than the {len(questions)} questions"))
    return out


def validate_translation(tr: Any, quiz: dict, path: Path, root: Path) -> list[Problem]:
    if not isinstance(tr, dict):
        return [_p(path, root, 1, "a quiz translation must be a mapping")]
    out = []
    ids = {q.get("id") for q in quiz.get("questions") or [] if isinstance(q, dict)}
    for qid in (tr.get("questions") or {}):
        if qid not in ids:
            out.append(_p(path, root, line_of(tr.get("questions"), qid), f"translation of unknown question {qid!r}"))
    return out


def load_quizzes(quizzes_dir: Path, languages: list[str]) -> tuple[dict[str, Quiz], list[Problem]]:
    quizzes: dict[str, Quiz] = {}
    problems: list[Problem] = []
    if not quizzes_dir.is_dir():
        return quizzes, problems
    for path in sorted(quizzes_dir.glob("*.yaml")):
        try:
            data = load(path.read_text(encoding="utf-8"))
        except YamlError as exc:
            problems.append(_p(path, quizzes_dir, exc.line, exc.message))
            continue
        found = validate_quiz_data(data, path, quizzes_dir)
        problems.extend(found)
        if found:
            continue
        quiz = Quiz(id=path.stem, path=path, data=data)
        for lang in languages:
            tpath = quizzes_dir / lang / path.name
            if not tpath.exists():
                continue
            try:
                tr = load(tpath.read_text(encoding="utf-8"))
            except YamlError as exc:
                problems.append(_p(tpath, quizzes_dir, exc.line, exc.message))
                continue
            tprobs = validate_translation(tr, data, tpath, quizzes_dir)
            problems.extend(tprobs)
            if not tprobs:
                quiz.translations[lang] = tr
        quizzes[quiz.id] = quiz
    return quizzes, problems
