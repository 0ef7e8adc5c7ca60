"""Category suggestion from an appeal's Chinese text: jieba words + characters + bigrams, multinomial naive Bayes.

The model is trained from the shipped examples (data/train.tsv) the first time a suggestion is asked for and kept
in the process; training takes a fraction of a second once jieba's dictionary has loaded and is deterministic, so
there is no model file to keep in step with the data. Naive Bayes suits the shape of the data: a few hundred short texts over ~40 classes, where a model
with more parameters would memorise the examples. Character bigrams next to the jieba words carry the phrases the
dictionary splits badly (飞线, 地锁) and words it has never seen; single characters raised cross-validated top-1
from 0.51 to 0.61. Staff always confirm the suggestion.

`python manage.py evaluate_classifier` scores the held-out examples (data/heldout.tsv); docs/classifier.md keeps the
figures.
"""

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_PATH = DATA_DIR / "train.tsv"
HELDOUT_PATH = DATA_DIR / "heldout.tsv"

# Additive smoothing, chosen by 5-fold cross-validation over train.tsv (never by the held-out set): top-1 was
# 0.557 / 0.592 / 0.602 / 0.611 / 0.608 for alpha 0.1 / 0.3 / 0.5 / 1.0 / 2.0.
ALPHA = 1.0
MAX_TEXT_CHARS = 2000

# Words the default jieba dictionary cuts apart but that name the matter itself.
DOMAIN_WORDS = (
    "飞线充电", "飞线", "僵尸车", "消防通道", "消防车道", "小广告", "牛皮癣", "井盖", "窨井盖", "地锁", "高空抛物",
    "电动车", "电瓶车", "充电桩", "楼道", "占道经营", "渣土车", "建筑垃圾", "装修垃圾", "化粪池", "门禁", "物业费",
    "暖气片", "低保", "违建", "私搭乱建", "扬尘", "共享单车", "灭火器", "消火栓", "消防栓", "应急灯", "路灯",
    "声控灯", "人脸识别", "道闸", "广场舞", "流浪猫", "流浪狗", "二次供水", "水压", "跳闸", "承重墙", "燃气",
    "液化气", "煤气味", "居住证", "社保卡", "助餐", "独居老人", "空巢老人",
)  # fmt: skip

_STOPWORDS_TEXT = (
    "的 了 在 是 我 我们 你 你们 他 他们 她 它 这 那 这个 那个 都 也 还 就 又 很 太 好 有 没 没有 不 和 与 及 被 把 让 给 "
    "啊 吧 呢 吗 呀 哦 嘛 着 过 一 一个 个 上 下 里 去 来 说 要 会 能 想 请 希望 麻烦 一下 已经 现在 每天 一直 好几 "
    "问题 情况 反映 诉求 小区 社区 居民 住户"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_TOKEN_OK = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


@dataclass(frozen=True)
class Example:
    code: str
    text: str


def load_examples(path: Path) -> list[Example]:
    """Read `code<TAB>text` lines; `#` starts a comment line."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        code, sep, text = line.partition("\t")
        if not sep or not code.strip() or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected 'code<TAB>text'")
        examples.append(Example(code.strip(), text.strip()))
    return examples


_tokenizer: Any = None
_tokenizer_lock = threading.Lock()


def _jieba() -> Any:
    """A private jieba tokenizer, loaded on first use: importing this module stays instant, and the domain
    words added here do not change how other code using the global jieba instance segments text."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word, freq=2000)
                _tokenizer = tokenizer
    return _tokenizer


def normalize(text: str) -> str:
    # NFKC folds full-width letters, digits and punctuation typed on phones into their plain forms.
    return unicodedata.normalize("NFKC", text or "")[:MAX_TEXT_CHARS].lower()


def features(text: str) -> list[str]:
    """jieba words (without stopwords and punctuation), plus the single characters and character bigrams of every
    Chinese run: a resident's 漏雨 should still meet the examples' 漏水 through 漏."""
    text = normalize(text)
    words = [w for w in _jieba().lcut(text) if w.strip() and w not in STOPWORDS and _TOKEN_OK.search(w)]
    runs = _CJK_RUN.findall(text)
    chars = [f"@{ch}" for run in runs for ch in run if ch not in STOPWORDS]
    bigrams = [f"#{run[i : i + 2]}" for run in runs for i in range(len(run) - 1)]
    return words + chars + bigrams


class NaiveBayes:
    """Multinomial naive Bayes over feature counts with additive smoothing."""

    def __init__(self, examples: Iterable[Example], *, alpha: float = ALPHA) -> None:
        counts: dict[str, Counter[str]] = {}
        docs: Counter[str] = Counter()
        for example in examples:
            counts.setdefault(example.code, Counter()).update(features(example.text))
            docs[example.code] += 1
        if not docs:
            raise ValueError("no training examples")
        self.labels = sorted(docs)
        self.vocabulary = frozenset(token for c in counts.values() for token in c)
        total_docs = sum(docs.values())
        size = len(self.vocabulary)
        self.log_prior = {label: math.log(docs[label] / total_docs) for label in self.labels}
        self.log_likelihood: dict[str, dict[str, float]] = {}
        self.log_unseen: dict[str, float] = {}
        for label in self.labels:
            denominator = sum(counts[label].values()) + alpha * size
            self.log_likelihood[label] = {t: math.log((n + alpha) / denominator) for t, n in counts[label].items()}
            self.log_unseen[label] = math.log(alpha / denominator)

    def scores(self, text: str) -> dict[str, float]:
        """Posterior probability per label (sums to 1); tokens never seen in training are ignored."""
        tokens = Counter(t for t in features(text) if t in self.vocabulary)
        logs = {}
        for label in self.labels:
            table, unseen = self.log_likelihood[label], self.log_unseen[label]
            logs[label] = self.log_prior[label] + sum(n * table.get(t, unseen) for t, n in tokens.items())
        top = max(logs.values())
        exp = {label: math.exp(value - top) for label, value in logs.items()}
        total = sum(exp.values())
        return {label: value / total for label, value in exp.items()}

    def rank(self, text: str) -> list[tuple[str, float]]:
        # Ties (e.g. a text with no known token gives the priors) fall back to the code order: deterministic.
        return sorted(self.scores(text).items(), key=lambda item: (-item[1], item[0]))


_model: NaiveBayes | None = None
_model_lock = threading.Lock()


def model() -> NaiveBayes:
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = NaiveBayes(load_examples(TRAIN_PATH))
    return _model


def suggest_categories(text: str, k: int = 3, *, allowed: Iterable[str] | None = None) -> list[tuple[str, float]]:
    """The k likeliest subcategory codes for `text` with their probabilities, best first.

    `allowed` limits the answer to these codes (e.g. the active categories). Text with no word the model knows
    gets an empty list rather than a guess from the class sizes.
    """
    if k < 1 or not (text or "").strip():
        return []
    trained = model()
    if not any(t in trained.vocabulary for t in features(text)):
        return []
    ranked = trained.rank(text)
    if allowed is not None:
        keep = set(allowed)
        ranked = [item for item in ranked if item[0] in keep]
    return [(code, round(score, 4)) for code, score in ranked[:k]]


@dataclass(frozen=True)
class Evaluation:
    examples: int
    top1: float
    top3: float
    misses: list[tuple[str, str, str]]  # (text, expected, predicted) for top-1 misses


def evaluate(train: list[Example], test: list[Example], *, alpha: float = ALPHA) -> Evaluation:
    trained = NaiveBayes(train, alpha=alpha)
    hits1 = hits3 = 0
    misses = []
    for example in test:
        ranked = [code for code, _score in trained.rank(example.text)[:3]]
        hits1 += ranked[0] == example.code
        hits3 += example.code in ranked
        if ranked[0] != example.code:
            misses.append((example.text, example.code, ranked[0]))
    n = len(test)
    return Evaluation(examples=n, top1=hits1 / n if n else 0.0, top3=hits3 / n if n else 0.0, misses=misses)


def cross_validate(examples: list[Example], *, folds: int = 5, alpha: float = ALPHA) -> tuple[float, float]:
    """Mean top-1 and top-3 over `folds` deterministic folds (every folds-th example per class is held out)."""
    per_class: dict[str, int] = Counter()
    fold_of = []
    for example in examples:
        fold_of.append(per_class[example.code] % folds)
        per_class[example.code] += 1
    top1 = top3 = 0.0
    for fold in range(folds):
        train = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        test = [e for e, f in zip(examples, fold_of, strict=True) if f == fold]
        result = evaluate(train, test, alpha=alpha)
        top1 += result.top1
        top3 += result.top3
    return top1 / folds, top3 / folds
