"""Search the public catalogue the way people type: 一件事 and items ranked together.

One in-memory index per process, built from the database and rebuilt when the catalogue or
the synonyms change (a fingerprint of a few aggregates, checked at most every few seconds).
It works the same on SQLite and PostgreSQL because nothing is asked of the database but rows.

How a query is read:
- pinyin: a query of Latin letters matches names by their initials (`csdj` → 出生登记) or full
  pinyin (`chusheng`);
- synonyms the centre edits (`Synonym`: 生孩子 → 出生) add a variant of the query with the
  catalogue's word in place of the everyday one;
- jieba splits the query into words (item and bundle names are added to its dictionary);
  filler words (我想、怎么、需要…) are dropped; each word weighs by how rare it is in names;
- typos: a piece of the query that no name contains is replaced by a catalogue word with the
  same pinyin (出声 → 出生, typed with a pinyin keyboard) or one character apart (结婚登计).
A name's score is the share of the query's weight it contains, plus how much of the name the
query covers (short, exact names first), plus a little for the unit, topics and a bundle's
items. Bundles get a small lead: one bundle does what several items would.
"""

import hashlib
import logging
import math
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count, Max

from .models import Bundle, CatalogEvent, ItemVersion, Synonym, Topic
from .queries import published_items, today

log = logging.getLogger(__name__)

BUNDLE = "bundle"
ITEM = "item"
KIND_LABELS = {BUNDLE: "一件事", ITEM: "事项"}
# Recheck the fingerprint at most this often (seconds); tests set 0.
CHECK_EVERY = 2.0
BUNDLE_BONUS = 12.0
MIN_SCORE = 12.0
CACHE_TERMS = 100_000
# Words that say how, not what: dropped from queries before scoring.
STOPWORDS = frozenset(
    """我 我们 想 想要 要 去 到 在 给 帮 替 请 请问 问 一下 怎么 怎么办 怎样 如何 咋 咋办 哪里 哪儿 在哪 在哪里
    哪 哪些 什么 啥 需要 要求 的 了 吗 呢 吧 啊 呀 和 与 及 带 准备 可以 能 能不能 可不可以 是 有
    办 办理 去办 手续 流程 材料 资料 需要带 东西 弄 搞 家 我家 家里 孩子的 一个 个 应该 该""".split()
)
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_LATIN = re.compile(r"^[a-z]+$")
_CODE = re.compile(r"^[0-9a-z]{6,}$")


def normalize(text: str) -> str:
    """Half-width, lower case, no spaces or punctuation (（户口） → 户口)."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "").lower())


@lru_cache(maxsize=16384)
def _pinyin(text: str) -> tuple[str, ...]:
    """Toneless syllables; kept per text so rebuilding the index does not spell names again."""
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(text, errors=lambda chars: list(chars)))


@dataclass
class Doc:
    kind: str
    key: str  # bundle code or item code
    name: str
    unit: str
    extra: str  # normalized topics, unit and (bundles) member item names
    norm: str = ""
    core_len: int = 1  # name length without the boilerplate "一件事"
    initials: str = ""
    spelled: str = ""  # full pinyin, no tones
    sort: int = 0

    def __post_init__(self):
        self.norm = normalize(self.name)
        core = self.norm.removesuffix("一件事") if self.kind == BUNDLE else self.norm
        self.core_len = max(len(core), 1)
        syllables = _pinyin(self.norm)
        self.initials = "".join(s[0] for s in syllables if s)
        self.spelled = "".join(syllables)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Hit:
    doc: Doc
    score: float

    @property
    def kind(self) -> str:
        return self.doc.kind

    @property
    def name(self) -> str:
        return self.doc.name


@dataclass
class Result:
    query: str
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)  # how the query was read, for people


class SearchIndex:
    def __init__(self, docs: list[Doc], synonyms: list[tuple[str, str]], topics: list[str]):
        self.docs = docs
        self.synonyms = sorted(
            ((normalize(p), normalize(c)) for p, c in synonyms if normalize(p) and normalize(c)),
            key=lambda pc: -len(pc[0]),
        )
        self.tokenizer = _tokenizer()
        words = set()
        for doc in docs:
            root = normalize(doc.name.split("（")[0])
            if len(root) >= 2:
                words.add(root)
        for phrase, canonical in self.synonyms:
            words.update((phrase, canonical))
        words.update(normalize(t) for t in topics)
        for word in words:
            self.tokenizer.add_word(word)
        # Words of the names, for typo correction: by pinyin and with one character blanked.
        self.vocab: set[str] = set()
        for doc in docs:
            self.vocab.update(w for w in self.tokenizer.cut_for_search(doc.norm) if len(w) >= 2)
        self.vocab.update(c for _p, c in self.synonyms)
        self.by_sound: dict[str, set[str]] = {}
        self.by_pattern: dict[str, set[str]] = {}
        for word in self.vocab:
            self.by_sound.setdefault("".join(_pinyin(word)), set()).add(word)
            if len(word) >= 3:
                for i in range(len(word)):
                    self.by_pattern.setdefault(word[:i] + "*" + word[i + 1 :], set()).add(word)
        self.n = max(len(docs), 1)
        # Characters and character pairs → documents, so a term is looked up, not scanned for.
        self.name_grams = _grams([d.norm for d in docs])
        self.extra_grams = _grams([d.extra for d in docs])
        self._in_names: dict[str, frozenset[int]] = {}
        self._in_extra: dict[str, frozenset[int]] = {}

    # --- reading the query -------------------------------------------------------------------

    def in_names(self, term: str) -> frozenset[int]:
        """The documents whose name contains `term`."""
        found = self._in_names.get(term)
        if found is None:
            if len(self._in_names) > CACHE_TERMS:  # random queries must not grow it for ever
                self._in_names.clear()
            found = self._in_names[term] = frozenset(
                i for i in _candidates(term, self.name_grams) if term in self.docs[i].norm
            )
        return found

    def in_extra(self, term: str) -> frozenset[int]:
        found = self._in_extra.get(term)
        if found is None:
            if len(self._in_extra) > CACHE_TERMS:
                self._in_extra.clear()
            found = self._in_extra[term] = frozenset(
                i for i in _candidates(term, self.extra_grams) if term in self.docs[i].extra
            )
        return found

    def df(self, term: str) -> int:
        """How many names contain `term`."""
        return len(self.in_names(term))

    def weight(self, term: str) -> float:
        idf = math.log((self.n + 1) / (self.df(term) + 0.5)) + 1
        return idf * (1.0 if len(term) >= 2 else 0.3)

    def terms(self, text: str) -> list[str]:
        seen, out = set(), []
        for t in self.tokenizer.cut_for_search(text):
            if t and t not in STOPWORDS and t not in seen:
                seen.add(t)
                out.append(t)
        # A compound no name contains (出生证明) is dropped when its parts are terms too.
        return [
            t for t in out if self.df(t) or not any(o != t and len(o) >= 2 and o in t for o in out)
        ]

    def core(self, text: str) -> str:
        return "".join(t for t in self.tokenizer.cut(text) if t not in STOPWORDS)

    def correct(self, text: str) -> list[tuple[str, str]]:
        """(typed, meant) pairs for pieces no name contains: same pinyin or one character off."""
        fixes: list[tuple[str, str]] = []
        # Characters inside a piece some name contains are not typos.
        covered = [False] * len(text)
        for size in range(2, len(text) + 1):
            for i in range(len(text) - size + 1):
                if self.df(text[i : i + size]):
                    covered[i : i + size] = [True] * size
        for size in (4, 3, 2):
            for i in range(len(text) - size + 1):
                piece = text[i : i + size]
                if any(covered[i : i + size]) or self.df(piece):
                    continue
                candidates = set(self.by_sound.get("".join(_pinyin(piece)), ()))
                if not candidates and size >= 3:
                    for j in range(size):
                        candidates |= self.by_pattern.get(piece[:j] + "*" + piece[j + 1 :], set())
                candidates.discard(piece)
                if candidates:
                    best = max(candidates, key=lambda w: (self.df(w), w))
                    fixes.append((piece, best))
                    covered[i : i + size] = [True] * size
        return fixes

    def variants(self, q: str) -> tuple[list[tuple[str, float]], list[str]]:
        """The texts to score with their factor, and notes on synonyms and corrections."""
        out, notes = [(q, 1.0)], []
        replaced = q
        for phrase, canonical in self.synonyms:
            # Only phrases the person typed: not ones a canonical word just brought in.
            if phrase in q and phrase in replaced and phrase != canonical:
                replaced = replaced.replace(phrase, canonical)
                notes.append(f"“{phrase}”按“{canonical}”查找")
        if replaced != q:
            out.append((replaced, 1.0))
        # Correct what the synonyms left: they already say what the words mean.
        core = self.core(replaced) or replaced
        fixes = self.correct(core)
        if fixes:
            fixed = core
            for typed, meant in fixes:
                fixed = fixed.replace(typed, meant)
                notes.append(f"“{typed}”按“{meant}”查找")
            out.append((fixed, 0.9))
        return out, list(dict.fromkeys(notes))

    # --- scoring -----------------------------------------------------------------------------

    def score_text(self, text: str) -> dict[int, float]:
        terms = self.terms(text)
        if not terms:
            return {}
        # Words no name contains still count in the total: a name must explain the query.
        weights = {t: self.weight(t) for t in terms}
        total = sum(weights.values())
        if not total:
            return {}
        core = self.core(text)
        names = {t: self.in_names(t) for t in terms}
        extra = {t: self.in_extra(t) for t in terms}
        candidates = set().union(*names.values(), *extra.values())
        scores: dict[int, float] = {}
        for i in candidates:
            doc = self.docs[i]
            got = sum(w for t, w in weights.items() if i in names[t])
            side = sum(w for t, w in weights.items() if i not in names[t] and i in extra[t])
            longest = max((len(t) for t in terms if i in names[t]), default=0)
            s = 70 * got / total + 20 * min(longest / doc.core_len, 1) + 15 * side / total
            if core and len(core) >= 2 and core in doc.norm:
                s += 20
                if doc.norm.startswith(core) or doc.norm == core:
                    s += 10
            scores[i] = s
        return scores

    def score_latin(self, q: str) -> dict[int, float]:
        scores: dict[int, float] = {}
        for i, doc in enumerate(self.docs):
            s = 0.0
            if doc.initials == q:
                s = 100
            elif doc.initials.startswith(q) and len(q) >= 2:
                s = 70 + 20 * len(q) / len(doc.initials)
            elif len(q) >= 3 and q in doc.initials:
                s = 50 + 20 * len(q) / len(doc.initials)
            elif len(q) >= 4 and q in doc.spelled:
                s = (80 if doc.spelled.startswith(q) else 55) + 15 * len(q) / len(doc.spelled)
            if s:
                scores[i] = s
        return scores

    def search(self, query: str, limit: int = 20) -> Result:
        q = normalize(query)[:40]
        if not q:
            return Result(query, [])
        notes: list[str] = []
        best: dict[int, float] = {}
        if _CODE.match(q) and any(c.isdigit() for c in q):
            best = {i: 200.0 for i, d in enumerate(self.docs) if d.key.lower().startswith(q)}
        elif _LATIN.match(q):
            best = self.score_latin(q)
            if best:
                notes.append(f"按拼音“{q}”查找")
        if not best:
            variants, notes = self.variants(q)
            for text, factor in variants:
                for i, s in self.score_text(text).items():
                    best[i] = max(best.get(i, 0.0), s * factor)
        hits = []
        for i, s in best.items():
            doc = self.docs[i]
            hits.append(Hit(doc, s + (BUNDLE_BONUS if doc.kind == BUNDLE else 0)))
        if not hits:
            return Result(query, [], notes)
        top = max(h.score for h in hits)
        floor = max(MIN_SCORE, top * 0.35)
        hits = [h for h in hits if h.score >= floor]
        hits.sort(key=lambda h: (-round(h.score, 6), h.doc.kind != BUNDLE, h.doc.sort, h.doc.key))
        return Result(query, hits[:limit], notes)


def _grams(texts: list[str]) -> dict[str, set[int]]:
    grams: dict[str, set[int]] = {}
    for i, text in enumerate(texts):
        for j in range(len(text)):
            grams.setdefault(text[j], set()).add(i)
            if j + 1 < len(text):
                grams.setdefault(text[j : j + 2], set()).add(i)
    return grams


def _candidates(term: str, grams: dict[str, set[int]]) -> set[int]:
    """Documents holding every character pair of `term` (a superset of those holding it)."""
    if len(term) == 1:
        return grams.get(term, set())
    sets = sorted((grams.get(term[i : i + 2], set()) for i in range(len(term) - 1)), key=len)
    return sets[0].intersection(*sets[1:]) if sets[0] else set()


# --- building and keeping the index ------------------------------------------------------------


def build_docs() -> list[Doc]:
    docs = []
    bundles = (
        Bundle.objects.filter(is_active=True)
        .select_related("lead_unit")
        .prefetch_related("topics", "items")
        .order_by("sort_order", "id")
    )
    for b in bundles:
        extra = " ".join(
            [b.lead_unit.name, *(t.name for t in b.topics.all()), *(i.name for i in b.items.all())]
        )
        docs.append(Doc(BUNDLE, b.code, b.name, b.lead_unit.name, normalize(extra), sort=0))
    for item in published_items().prefetch_related("topics").order_by("code"):
        extra = " ".join([item.unit.name, *(t.name for t in item.topics.all())])
        docs.append(Doc(ITEM, item.code, item.name, item.unit.name, normalize(extra), sort=1))
    return docs


def fingerprint() -> str:
    """Changes whenever what the index shows may have changed (or the day has)."""
    parts = [
        str(today()),
        CatalogEvent.objects.aggregate(m=Max("id"))["m"],
        ItemVersion.objects.aggregate(n=Count("id"), m=Max("published_at")),
        Bundle.objects.filter(is_active=True).aggregate(n=Count("id"), m=Max("updated_at")),
        Topic.objects.aggregate(n=Count("id"), m=Max("id")),
        list(Synonym.objects.order_by("pk").values_list("phrase", "canonical")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


_lock = threading.Lock()
_state: dict = {"index": None, "fingerprint": None, "checked": 0.0}


def get_index() -> SearchIndex:
    """The process's index, rebuilt when the catalogue or the synonyms changed."""
    now = time.monotonic()
    index = _state["index"]
    if index is not None and now - _state["checked"] < CHECK_EVERY:
        return index
    fp = fingerprint()
    with _lock:
        if _state["index"] is None or _state["fingerprint"] != fp:
            start = time.perf_counter()
            _state["index"] = SearchIndex(
                build_docs(),
                list(Synonym.objects.values_list("phrase", "canonical")),
                list(Topic.objects.values_list("name", flat=True)),
            )
            _state["fingerprint"] = fp
            log.info("search index built in %.2f s", time.perf_counter() - start)
        _state["checked"] = now
        return _state["index"]


def reset_index() -> None:
    with _lock:
        _state.update(index=None, fingerprint=None, checked=0.0)


def search(query: str, limit: int = 20) -> Result:
    """Bundles and items matching `query`, best first (the guide and the API show the same)."""
    return get_index().search(query, limit)


@lru_cache(maxsize=1)
def _tokenizer():
    """jieba's dictionary loads once per process (about a second); names are added to it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer
