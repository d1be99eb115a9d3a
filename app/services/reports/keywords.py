"""Keywords and key phrases of a period's ticket texts: jieba's TF-IDF and TextRank over the repeat
detection's tokenizer (app/services/textsim.py), with a culture-and-tourism user dictionary and stop
words the analyst edits (settings ``report_user_words`` / ``report_stop_words``, one word a line)."""

from __future__ import annotations

import threading

from app.services import InvalidInput, _, settings, textsim
from app.services.uow import unit_of_work

DEFAULT_USER_WORDS = textsim.DOMAIN_WORDS + (
    "未成年人上网", "接纳未成年人", "预付费", "退费难", "擅自变更行程", "低价团", "零负团费", "门票价格",
    "营业性演出", "退票", "剧本娱乐", "歌舞娱乐", "文物保护单位", "非遗", "图书馆", "文化馆", "噪音", "扰民")
DEFAULT_STOP_WORDS = ("来电人", "市民", "反映", "要求", "希望", "表示", "称", "目前", "工作人员", "相关", "部门",
                      "情况", "问题", "处理", "诉求", "街道", "社区", "本区", "电话", "联系", "告知")
MAX_WORDS = 2000
_lock = threading.Lock()
_added: set[str] = set()


def _lines(value) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").splitlines()
    return [w.strip() for w in items if w and w.strip()]


def user_words() -> list[str]:
    return _lines(settings.get("report_user_words", list(DEFAULT_USER_WORDS)))


def stop_words() -> list[str]:
    return _lines(settings.get("report_stop_words", list(DEFAULT_STOP_WORDS)))


def save(words_text: str, stops_text: str) -> None:
    """The analyst's dictionary and stop words (one word a line)."""
    words, stops = _lines(words_text), _lines(stops_text)
    errors = {}
    for name, items in (("user_words", words), ("stop_words", stops)):
        if len(items) > MAX_WORDS:
            errors[name] = _("最多 %(n)s 个词。", n=MAX_WORDS)
        elif any(len(w) > 20 for w in items):
            errors[name] = _("每个词不超过 20 个字。")
    if errors:
        raise InvalidInput(errors)
    with unit_of_work():
        settings.put("report_user_words", words)
        settings.put("report_stop_words", stops)


def _tokenizer():
    """The shared tokenizer with the analyst's words added (add_word is cheap; each word once)."""
    tk = textsim.tokenizer()
    with _lock:
        for word in user_words():
            if word not in _added:
                tk.add_word(word, freq=20000)
                _added.add(word)
    return tk


def extract(texts: list[str], top: int = 30) -> dict:
    """TF-IDF keywords and TextRank key phrases of the texts (weights 0..1, rounded)."""
    import jieba.analyse  # noqa: PLC0415 - jieba loads its tables lazily (textsim.tokenizer)
    import jieba.posseg  # noqa: PLC0415

    tk = _tokenizer()
    stops = set(stop_words()) | set(textsim.STOP_WORDS)
    text = "\n".join(texts)
    tfidf = jieba.analyse.TFIDF()
    tfidf.tokenizer = tk
    tfidf.postokenizer = jieba.posseg.POSTokenizer(tk)
    tfidf.stop_words = tfidf.stop_words | stops
    rank = jieba.analyse.TextRank()
    rank.tokenizer = rank.postokenizer = jieba.posseg.POSTokenizer(tk)
    rank.stop_words = rank.stop_words | stops
    return {"tfidf": [(w, round(x, 3)) for w, x in tfidf.extract_tags(text, topK=top, withWeight=True)],
            "textrank": [(w, round(x, 3)) for w, x in rank.textrank(text, topK=top, withWeight=True)]}
