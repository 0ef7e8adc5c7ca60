"""Chinese text helpers: pinyin keys for name search."""

from pypinyin import Style, lazy_pinyin


def name_keys(name: str) -> tuple[str, str]:
    """('zhangsan', 'zs') for 张三; surnames with several readings take pypinyin's heteronym-aware choice."""
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.strip()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return full[:128], initials[:32]
