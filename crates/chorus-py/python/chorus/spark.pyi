from typing import Any, Dict, Optional

from ._report import DedupResult, Report

def find(
    df: Any,
    *,
    id: Optional[str] = ...,
    text: Optional[str] = ...,
    source: Optional[str] = ...,
    date: Optional[str] = ...,
    url: Optional[str] = ...,
    title: Optional[str] = ...,
    partitions: Optional[int] = ...,
    shuffle: str = ...,
    errors: str = ...,
    timings: Optional[Dict[str, float]] = ...,
    **settings: Any,
) -> Report: ...

def dedup(
    df: Any,
    *,
    id: Optional[str] = ...,
    text: Optional[str] = ...,
    source: Optional[str] = ...,
    date: Optional[str] = ...,
    url: Optional[str] = ...,
    title: Optional[str] = ...,
    partitions: Optional[int] = ...,
    shuffle: str = ...,
    errors: str = ...,
    timings: Optional[Dict[str, float]] = ...,
    **settings: Any,
) -> DedupResult: ...
