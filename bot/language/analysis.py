"""What a resident's message is made of: sentences, clauses and the role each clause plays.

Residents write "Chào bác sĩ ạ. Mẹ em 68 tuổi bị tiểu đường. Bà có tiêm được không ạ? Em cảm
ơn." — an address, context, a question and thanks. Intents look at the roles: the FAQ matches
the question with the context as support, greetings and thanks answer only when the message
holds nothing else, and the emergency rules read each clause in its own tense.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from bot.language.lexicon import fold
from bot.language.normalise import Normalised, normalise
from bot.language.phrases import PhraseSet

GREETING = "greeting"  # "Chào bác sĩ ạ", "Ad ơi cho em hỏi", "Kính gửi Ban quản trị"
THANKS = "thanks"  # "Em cảm ơn ạ", "Trân trọng", "Chúc các bác sĩ mạnh khỏe"
QUESTION = "question"  # "… có tiêm được không", "bao lâu", "ở đâu", "?"
CONTEXT = "context"  # everything else: who, illnesses, doses, what happened
SOCIAL = frozenset({GREETING, THANKS})

# A sentence ends at . ! ? … ; or a line break (a dot inside "38.5" or "TP.HCM" does not end it).
_SENTENCE = re.compile(r"[.!…]+(?=\s|$)|[?;]+|[\r\n]+")
# A clause ends at a comma (not the decimal comma of "37,8") or before a contrasting word.
_CLAUSE = re.compile(
    r"(?<!\d),|,(?!\d)|\s[-–—:]\s|\s(?=(?:nhưng|nhung|với lại|voi lai|ngoài ra|ngoai ra)\s)",
    re.IGNORECASE,
)
_CAP = 4000  # characters analysed; Zalo's own text limit is lower
MAX_QUESTIONS = 3  # question sentences matched one by one (residents ask one or two)

GREETING_CUES = (
    "xin chào",
    "chào",
    "kính chào",
    "kính gửi",
    "gửi",
    "alo",
    "a lô",
    "hello",
    "helo",
    "hi",
    "hey",
    "chào buổi sáng",
    "chào buổi tối",
    "good morning",
    "có khỏe không",
    "khỏe không",
    "dạo này thế nào",
)
THANKS_CUES = (
    "cảm ơn",
    "cám ơn",
    "cảm ơn nhiều",
    "thank",
    "thanks",
    "thank you",
    "tks",
    "thks",
    "trân trọng",
    "chân thành",
    "biết ơn",
)
# Alone (with politeness), these acknowledge an answer: a thanks.
ACKNOWLEDGEMENTS = (
    "vâng",
    "dạ vâng",
    "hiểu rồi",
    "đã hiểu",
    "rõ rồi",
    "được rồi",
    "ok",
    "tuyệt vời",
    "tốt quá",
    "hay quá",
)
# A clause that opens with one of these is a closing formula, not a question.
CLOSING_OPENERS = (
    "chúc",
    "mong",
    "rất mong",
    "kính mong",
    "mong được",
    "nhờ",
    "xin cảm ơn",
    "trân trọng",
)
CLOSING_WORDS = (
    "trả lời",
    "giải đáp",
    "phản hồi",
    "giúp",
    "sớm",
    "tư vấn",
    "hướng dẫn",
    "hồi âm",
    "sức khỏe",
    "mạnh khỏe",
)
# A clause with one of these introduces the resident ("em mới theo dõi trang"): part of a hello.
INTRODUCTIONS = (
    "mới theo dõi",
    "mới quan tâm",
    "mới quét mã",
    "mới biết đến",
    "mới tham gia",
    "mới vào",
    "là người dân",
    "là dân",
    "lần đầu nhắn",
    "lần đầu hỏi",
    "mới kết bạn",
    "mới follow",
    "mới tìm thấy",
    "mới biết",
    "tự giới thiệu",
    "tên là",
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# "Tôi có một việc muốn hỏi", "em xin hỏi vài điều": asking to ask, not a question yet.
ASKING = _words("hỏi giải đáp tư vấn")
REQUEST = _words(
    "có một việc chuyện câu điều vấn đề ít vài này muốn xin được chút tí nhờ là mấy cái "
    "thông tin nội dung trường hợp như sau ạ"
)

# Who thanks, before "cảm ơn" at the end of a clause ("… ở đâu em cảm ơn ad").
SPEAKERS = _words("em mình tôi cháu con anh chị tớ dạ vâng ok xin chân thành rất")


# Words of address and politeness: a clause of these and a greeting or thanks is only that.
ADDRESS = _words(
    """
    ạ a à ạh ah ad admin bot trang page kênh bạn em anh chị cô chú bác ông bà cháu con mình
    tôi tớ mk ơi oi nhé nhe nha nhá nhiều lắm rất ạ dạ vâng thì là với cho hỏi xin chút tí
    xíu nhỉ ha hả vậy luôn thật quá cả nhà mọi người các bác sĩ bs ban quản trị trị quản lý
    trung tâm y tế tỉnh huyện xã phường cán bộ đồng chí kính gửi thân quý vị anh chị em giúp
    giùm với ạ đỡ mong muốn được em hỏi cho đã trả lời tận tình nhiệt tình hiểu rồi ok
    oke vâng dạ hihi hehe haha
    """
)
# After a word of address, these make it a thing spoken of ("trang này", "bạn đó").
DEMONSTRATIVES = _words("này nầy đó ấy kia")
# Question words (folded); "không", "chưa" and friends count only at the end of a clause.
QUESTION_PHRASES = (
    "được không",
    "có được không",
    "làm sao",
    "làm thế nào",
    "như thế nào",
    "ra sao",
    "bao lâu",
    "bao nhiêu",
    "bao giờ",
    "khi nào",
    "ở đâu",
    "chỗ nào",
    "nơi nào",
    "tại sao",
    "vì sao",
    "là sao",
    "có phải",
    "phải không",
    "hay không",
    "có nên",
    "có cần",
    "cần gì",
    "những gì",
    "cái gì",
    "gì",
    "nào",
    "ai",
    "mấy",
    "liệu",
    "xin hỏi",
    "cho hỏi",
    "muốn hỏi",
    "hỏi",
    "hay là",
    "có sao",
    "đâu",
)
QUESTION_FINAL = frozenset(
    ("không", "chưa", "chứ", "à", "hả", "nhỉ", "sao", "hông", "hem", "hở", "chăng", "ko", "k")
)
TRAILING = _words(
    """
    ạ a ad admin ơi vậy thế nhỉ nhé nha ha bác sĩ bs em anh chị cô chú bác ạh ah nữa đấy đó
    bạn mọi người
    """
)


@lru_cache(maxsize=1)
def _sets() -> tuple[PhraseSet, PhraseSet, PhraseSet, PhraseSet, PhraseSet, PhraseSet]:
    return (
        PhraseSet.of(GREETING_CUES, strict_short=True),
        PhraseSet.of(THANKS_CUES),
        PhraseSet.of(CLOSING_OPENERS),
        PhraseSet.of(CLOSING_WORDS),
        PhraseSet.of(QUESTION_PHRASES, strict_short=True),
        PhraseSet.of(INTRODUCTIONS),
    )


@dataclass(frozen=True)
class Clause:
    """One clause: its text as written, its normalised form, role and sentence number."""

    text: str
    norm: Normalised
    role: str
    sentence: int
    asked: bool = False  # written with a question mark

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.norm.tokens


def _among(token: str, words: frozenset[str]) -> bool:
    """The token is one of the words as typed, or typed bare and one of them without marks:
    "ho" (typed bare) may be "hở", but "ho" typed as "ho" after "bị" … is still compared bare."""
    if token in words:
        return True
    return token == fold(token) and token in _folded(words)


@lru_cache(maxsize=8)
def _folded(words: frozenset[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in words)


def _only_address(tokens: tuple[str, ...], covered: set[int]) -> bool:
    return all(i in covered or _among(t, ADDRESS) for i, t in enumerate(tokens))


def _covered(norm: Normalised, cues: PhraseSet) -> set[int]:
    return {i for s, e, _ in cues.spans(norm) for i in range(s, e)}


def _is_question(norm: Normalised, asked: bool, questions: PhraseSet) -> bool:
    if asked:
        return True
    tokens = list(norm.tokens)
    while tokens and _among(tokens[-1], TRAILING):
        tokens.pop()
    settled = len(tokens) > 1 and tokens[-2:] == ["không", "sao"]
    if len(tokens) > 2 and settled and tokens[-3] != "có":
        return False  # "bác sĩ bảo không sao": it is fine, nothing asked
    if len(tokens) > 1 and _among(tokens[-1], QUESTION_FINAL):
        return True  # (a lone "ho" is a cough, not "hở")
    spans = questions.spans(norm)
    if not spans:
        return False
    # "mấy năm nay" is a time ("for some years now"), not "how many years?"; "em không hỏi gì
    # đâu" asks nothing
    said = {i for s, e, _ in _not_questions().spans(norm) for i in range(s, e)}
    return any(start not in said for start, _, _ in spans)


def _role(norm: Normalised, asked: bool, sentence_role: str | None) -> str:
    greet, thanks, openers, closing, questions, intros = _sets()
    tokens = norm.tokens
    if not tokens:
        return CONTEXT
    if sentence_role in SOCIAL:
        return sentence_role  # "Chúc các bác sĩ, cán bộ y tế luôn mạnh khỏe, vững vàng …"
    g, t = _covered(norm, greet), _covered(norm, thanks)
    if g and _only_address(tokens, g):
        return GREETING
    if t and (
        _only_address(tokens, t) or (min(t) <= 2 and not _is_question(norm, asked, questions))
    ):
        return THANKS  # "Em cảm ơn ad đã trả lời tận tình ạ"
    acks = _covered(norm, _acknowledgements())
    if acks and _only_address(tokens, acks):
        return THANKS  # "vâng em hiểu rồi ạ"
    first = [s for s, _, _ in openers.spans(norm) if s <= 1]
    if first and not _is_question(norm, asked, questions):
        return THANKS
    if closing.search(norm) and _only_address(tokens, _covered(norm, closing)):
        return THANKS  # "mong ad trả lời giúp"
    if _only_address(tokens, set()):
        return GREETING  # "Ad ơi", "Dạ", "Cho em hỏi chút ạ"
    if any(_among(t, ASKING) for t in tokens) and all(
        _among(t, ADDRESS) or _among(t, REQUEST) or _among(t, ASKING) for t in tokens
    ):
        return GREETING  # "Tôi có một việc muốn hỏi"
    if intros.search(norm) and not _is_question(norm, asked, questions):
        return GREETING  # "em là người dân ở Hải Hậu, mới theo dõi trang"
    if _is_question(norm, asked, questions):
        return QUESTION
    return CONTEXT


def _split(text: str) -> list[tuple[int, str, bool]]:
    """(sentence number, clause text, written with "?") for every non-empty clause."""
    out: list[tuple[int, str, bool]] = []
    pos, sentence = 0, 0
    for m in [*_SENTENCE.finditer(text), None]:
        end = m.start() if m else len(text)
        asked = bool(m and "?" in m.group())
        body = text[pos:end]
        parts = [p.strip() for p in _CLAUSE.split(body)]
        parts = [p for p in parts if p and any(ch.isalnum() for ch in p)]
        for k, part in enumerate(parts):
            out.append((sentence, part, asked and k == len(parts) - 1))
        if parts:
            sentence += 1
        if m:
            pos = m.end()
    return out


@dataclass(frozen=True)
class Analysis:
    text: str
    clauses: tuple[Clause, ...]

    def of(self, *roles: str) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.role in roles)

    @property
    def questions(self) -> tuple[Clause, ...]:
        return self.of(QUESTION)

    @property
    def context(self) -> tuple[Clause, ...]:
        return self.of(CONTEXT)

    @property
    def substance(self) -> tuple[Clause, ...]:
        """Clauses that say something beyond greeting and thanks."""
        return self.of(QUESTION, CONTEXT)

    @property
    def social_only(self) -> bool:
        """Nothing but greetings, thanks and politeness."""
        return bool(self.clauses) and not self.substance

    @property
    def greets(self) -> bool:
        return any(c.role == GREETING for c in self.clauses)

    @property
    def thanks(self) -> bool:
        return any(c.role == THANKS for c in self.clauses)

    @cached_property
    def _thanking(self) -> tuple[Clause, ...]:
        """Clauses that say thank you in words ("cảm ơn", "thanks"), not only a wish or an
        acknowledgement, and do not ask."""
        return tuple(c for c in self.clauses if c.role != QUESTION and _sets()[1].search(c.norm))

    @property
    def thanked(self) -> bool:
        return bool(self._thanking)

    @cached_property
    def grateful(self) -> bool:
        """The thanks says what for ("cảm ơn các anh chị đã làm trang này") or comes before
        the last sentence: more than the "em cảm ơn" that closes a request."""
        last = self.clauses[-1].sentence if self.clauses else 0
        return any(
            c.sentence != last or not _only_address(c.norm.tokens, _covered(c.norm, _sets()[1]))
            for c in self._thanking
        )

    @property
    def opens_with(self) -> str | None:
        return self.clauses[0].role if self.clauses else None

    @cached_property
    def question_sentences(self) -> tuple[tuple[Clause, ...], ...]:
        """Each sentence holding a question, without its greeting and thanks clauses."""
        asked = sorted({c.sentence for c in self.questions})
        return tuple(
            tuple(c for c in self.substance if c.sentence == s)
            for s in asked
            if any(c.sentence == s for c in self.substance)
        )

    @cached_property
    def sentences(self) -> tuple[tuple[Clause, ...], ...]:
        """Each sentence's substance (greetings and thanks left out), in order."""
        numbers = sorted({c.sentence for c in self.substance})
        return tuple(tuple(c for c in self.substance if c.sentence == n) for n in numbers)

    @cached_property
    def units(self) -> tuple[Normalised, ...]:
        """What may be the question: each question sentence (and all of them together), or,
        when nothing is phrased as a question, each sentence."""
        if self.question_sentences:
            units = [join(s) for s in self.question_sentences[:MAX_QUESTIONS]]
            return tuple(units)
        return tuple(join(s) for s in self.sentences[:MAX_QUESTIONS])

    @cached_property
    def background(self) -> Normalised | None:
        """The context around the question sentences (who, illnesses, what happened)."""
        if not self.question_sentences:
            return None
        asked = {c.sentence for s in self.question_sentences for c in s}
        rest = [c for c in self.substance if c.sentence not in asked]
        return join(rest) if rest else None

    @cached_property
    def focus(self) -> Normalised:
        """What the message asks: its question sentences (or, with none, all it says)."""
        sentences = self.question_sentences[:MAX_QUESTIONS] or ((self.substance),)
        return join(c for s in sentences for c in s)

    @cached_property
    def whole(self) -> Normalised:
        """Everything but greetings and thanks."""
        return join(self.substance)


def join(clauses: Iterable[Clause]) -> Normalised:
    """Clauses of one message as one normalised text (they are normalised already)."""
    found = [c for c in clauses if c.norm]
    tokens = tuple(t for c in found for t in c.norm.tokens)
    folded = tuple(t for c in found for t in c.norm.folded_tokens)
    return Normalised.of_tokens(" , ".join(c.text for c in found), tokens, folded)


def _introduces(clause: Clause) -> bool:
    return _sets()[5].search(clause.norm)


def _opens_with_wish(norm: Normalised) -> bool:
    return any(start == 0 for start, _, _ in _sets()[2].spans(norm))


def _peel(norm: Normalised) -> tuple[Normalised | None, Normalised, Normalised | None]:
    """A greeting run at the start and a thanks run at the end of one unpunctuated clause:
    "chào ad em muốn hỏi tiêm ở đâu em cảm ơn ad" → greeting, question, thanks."""
    greet, thanks = _sets()[0], _sets()[1]
    tokens = list(norm.tokens)
    head = 0
    starts = [e for s, e, _ in greet.spans(norm) if s <= 1]
    if starts:
        head = max(starts)
    run = head
    while run < len(tokens) and (_among(tokens[run], ADDRESS) or _among(tokens[run], ASKING)):
        if run + 1 < len(tokens) and _among(tokens[run + 1], DEMONSTRATIVES):
            break  # "… cho em hỏi trang này trả lời được gì": "trang này" is what is asked of
        run += 1
    # "ad ơi cho mk hỏi tiêm ở đâu": an address or a request to ask, then the question
    if starts or any(_among(t, ASKING) or t == "ơi" for t in tokens[:run]):
        head = run
    tail = len(tokens)
    ends = [s for s, _, _ in thanks.spans(norm) if s > head]
    if ends:
        cut = min(ends)
        while cut > head and _among(tokens[cut - 1], SPEAKERS):
            cut -= 1
        if all(_among(t, ADDRESS) for t in tokens[cut:] if t not in _thanks_words()):
            tail = cut
    if (head == 0 and tail == len(tokens)) or head >= tail:
        return None, norm, None

    def part(start: int, end: int) -> Normalised | None:
        if start >= end:
            return None
        words = tuple(tokens[start:end])
        return Normalised.of_tokens(" ".join(words), words, norm.folded_tokens[start:end])

    core = part(head, tail)
    assert core is not None
    return part(0, head), core, part(tail, len(tokens))


@lru_cache(maxsize=1)
def _not_questions() -> PhraseSet:
    times = [
        f"{how} {unit} {when}"
        for how in ("mấy", "bao nhiêu")
        for unit in ("năm", "tháng", "tuần", "ngày", "hôm", "bữa")
        for when in ("nay", "trước", "qua")
    ]
    nothing = [  # "em không hỏi gì đâu" asks nothing
        f"{no} {ask} {what}"
        for no in ("không", "chẳng", "chả")
        for ask in ("hỏi", "có")
        for what in ("gì", "gì đâu", "gì cả", "gì nữa")
    ]
    return PhraseSet.of([*times, *nothing])


@lru_cache(maxsize=1)
def _acknowledgements() -> PhraseSet:
    return PhraseSet.of(ACKNOWLEDGEMENTS)


@lru_cache(maxsize=1)
def _thanks_words() -> frozenset[str]:
    return frozenset(t for p in _sets()[1].phrases for t in (*p.tokens, *p.folded))


@lru_cache(maxsize=8)  # a turn keeps its own; few kept here: each is many small objects
def analyse(text: str) -> Analysis:
    """Split a message into clauses and tell their roles apart; never raises."""
    text = text[:_CAP]
    clauses: list[Clause] = []
    sentence_role: dict[int, str] = {}
    for sentence, whole, asked in _split(text):
        lead, norm, tail = _peel(normalise(whole))
        if not norm:
            continue
        if lead is not None:
            clauses.append(Clause(lead.accented, lead, GREETING, sentence))
        part = norm.accented if lead or tail else whole
        role = _role(norm, asked, sentence_role.get(sentence))
        if role == THANKS and sentence not in sentence_role and _opens_with_wish(norm):
            sentence_role[sentence] = role  # a wish carries on to the sentence's end
        clauses.append(Clause(part, norm, role, sentence, asked))
        if tail is not None:
            clauses.append(Clause(tail.accented, tail, THANKS, sentence))
    return Analysis(text, _introductions(clauses))


def _introductions(clauses: list[Clause]) -> tuple[Clause, ...]:
    """In a sentence that introduces the resident ("em ở Hải Hậu, mới theo dõi trang"), what
    is not asked is part of the hello."""
    intro = {c.sentence for c in clauses if c.role == GREETING and _introduces(c)}
    return tuple(
        Clause(c.text, c.norm, GREETING, c.sentence, c.asked)
        if c.sentence in intro and c.role == CONTEXT
        else c
        for c in clauses
    )
