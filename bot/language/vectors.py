"""Entry vectors: every phrasing of an entry pooled into one IDF-weighted word profile."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def _weights(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    # a word most phrasings repeat is the entry's subject; log damping keeps one from dominating
    return {f: (1.0 + math.log(n)) * idf[f] for f, n in counts.items() if n > 0}


def _norm(weights: Mapping[str, float]) -> float:
    return math.sqrt(sum(w * w for w in weights.values())) or 1.0


class EntryVectors:
    """Cosine between a message and each entry's pooled profile (a centroid classifier).

    Pooling generalises better than the closest single phrasing: a message that shares one
    specific word with each of several phrasings of an entry still scores well for it.
    """

    def __init__(
        self,
        phrasing_features: Sequence[set[str]],
        owners: Sequence[int],
        entries: int,
        idf: Mapping[str, float],
    ):
        self._idf = idf
        self._features = phrasing_features
        self._owners = owners
        self._counts: list[dict[str, int]] = [{} for _ in range(entries)]
        for feats, owner in zip(phrasing_features, owners, strict=True):
            for f in feats:
                self._counts[owner][f] = self._counts[owner].get(f, 0) + 1
        self._weights = [_weights(c, idf) for c in self._counts]
        self._norms = [_norm(w) for w in self._weights]
        # each feature's weight in every entry that has it: a long message touches few entries
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for e, weights in enumerate(self._weights):
            for f, w in weights.items():
                self._postings.setdefault(f, []).append((e, w))

    def _without(self, skip: int) -> tuple[dict[str, float], float]:
        """The profile of the skipped phrasing's entry as if that phrasing were not there."""
        counts = dict(self._counts[self._owners[skip]])
        for f in self._features[skip]:
            counts[f] -= 1
        weights = _weights(counts, self._idf)
        return weights, _norm(weights)

    def scores(self, query: Mapping[str, float], skip: int = -1) -> list[float]:
        """0-100 per entry: cosine of the IDF-weighted query features and the entry profile."""
        q_norm = _norm(query)
        if skip < 0:
            dots = [0.0] * len(self._weights)
            for f, w in query.items():
                for e, we in self._postings.get(f, ()):
                    dots[e] += w * we
            return [100.0 * d / (q_norm * n) for d, n in zip(dots, self._norms, strict=True)]
        out = []
        for e, (weights, norm) in enumerate(zip(self._weights, self._norms, strict=True)):
            if skip >= 0 and self._owners[skip] == e:
                weights, norm = self._without(skip)
            dot = sum(w * weights[f] for f, w in query.items() if f in weights)
            out.append(100.0 * dot / (q_norm * norm))
        return out
