from typing import Any, Dict, List, Literal, Optional

from ._report import DedupResult as DedupResult, Report as Report

__version__: str

class ChorusError(ValueError):
    """Bad settings, a bad record (with errors="raise"), a failed index operation."""

class ChorusWarning(UserWarning):
    """An input record chorus skipped."""

_Errors = Literal["warn", "raise", "ignore"]

def find(
    data: Any,
    *,
    id: Optional[str] = ...,
    text: Optional[str] = ...,
    source: Optional[str] = ...,
    date: Optional[str] = ...,
    url: Optional[str] = ...,
    title: Optional[str] = ...,
    errors: _Errors = ...,
    ngram: int = ...,
    max_df: int = ...,
    full_pairs_df: int = ...,
    star_links: int = ...,
    max_repeats: int = ...,
    min_seeds: int = ...,
    max_skip: int = ...,
    merge_drop: int = ...,
    extend_window: int = ...,
    extend_drop: int = ...,
    min_words: int = ...,
    min_similarity: float = ...,
    min_matched: int = ...,
    boilerplate_share: float = ...,
    boilerplate_min_docs: int = ...,
    min_sources: int = ...,
    window: str | int | float = ...,
    keep_formulas: bool = ...,
    boilerplate: bool = ...,
    formulas: bool = ...,
    paraphrase: bool = ...,
    lang: Optional[str] = ...,
) -> Report: ...
def dedup(
    data: Any,
    *,
    id: Optional[str] = ...,
    text: Optional[str] = ...,
    source: Optional[str] = ...,
    date: Optional[str] = ...,
    url: Optional[str] = ...,
    title: Optional[str] = ...,
    errors: _Errors = ...,
    threshold: float = ...,
    slack: float = ...,
    min_dup_similarity: float = ...,
    containment: bool = ...,
    keep: Literal["earliest", "longest", "first"] = ...,
    **settings: Any,
) -> DedupResult: ...

class Index:
    path: str
    def __init__(self, path: Any, ngram: Optional[int] = ...) -> None: ...
    def add(
        self,
        data: Any,
        *,
        id: Optional[str] = ...,
        text: Optional[str] = ...,
        source: Optional[str] = ...,
        date: Optional[str] = ...,
        url: Optional[str] = ...,
        title: Optional[str] = ...,
        errors: _Errors = ...,
    ) -> Dict[str, int]: ...
    def query(
        self,
        text: str,
        limit: Optional[int] = ...,
        *,
        paraphrase: bool = ...,
        lang: Optional[str] = ...,
        scan: bool = ...,
    ) -> List[Dict[str, Any]]: ...
    def __len__(self) -> int: ...
