"""Level-N MTP basis, generated from the definition (moved here from ``potentials/scripts/train_li_mtp.py``).

A basis function is a full contraction of moment tensors M_{mu,nu} = sum_j f_mu(r_ij) u^{(x)nu} of level
lev(M_{mu,nu}) = 2 + 4 mu + nu (Shapeev 2016; Gubaev et al. 2019), the level of a contraction being the sum
over its tensors. We take every contraction with level <= L that uses at most four tensors and never
contracts two indices of the same tensor (that would only reproduce a lower-rank moment, since |u| = 1).
This spans the same scalar functions as MLIP-3's templates 10, 12 and 16 and the level-8 template (checked
numerically when the Li potential was made); for levels 8 and 10 even the slot counts agree. The result
is written in MLIP's ``alpha_index_basic`` / ``alpha_index_times`` bookkeeping, independent of species.
"""

from __future__ import annotations

import itertools
from collections import Counter


def moment_level(mu: int, nu: int) -> int:
    return 2 + 4 * mu + nu


def _is_connected(n: int, edges) -> bool:
    seen, stack = {0}, [0]
    while stack:
        u = stack.pop()
        for i, j, _ in edges:
            for a, b in ((i, j), (j, i)):
                if a == u and b not in seen:
                    seen.add(b)
                    stack.append(b)
    return len(seen) == n


def _contraction_patterns(degrees):
    """Multigraphs without loops whose vertex degrees are the tensor ranks, as (i, j, m) lists."""
    n = len(degrees)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]

    def rec(k, left, acc):
        if k == len(pairs):
            if not any(left):
                yield [e for e in acc if e[2]]
            return
        i, j = pairs[k]
        for m in range(min(left[i], left[j]) + 1):
            left[i] -= m
            left[j] -= m
            acc.append((i, j, m))
            yield from rec(k + 1, left, acc)
            acc.pop()
            left[i] += m
            left[j] += m

    yield from rec(0, list(degrees), [])


def _canonical(labels, edges):
    """Smallest edge list over relabellings that keep the tensor labels in place."""
    n = len(labels)
    best = None
    for perm in itertools.permutations(range(n)):
        if any(labels[perm[k]] != labels[k] for k in range(n)):
            continue
        inv = {old: new for new, old in enumerate(perm)}
        e = tuple(sorted((min(inv[i], inv[j]), max(inv[i], inv[j]), m) for i, j, m in edges))
        best = e if best is None or e < best else best
    return best


def connected_contractions(level: int, max_tensors: int):
    """Connected full contractions, each as (labels, edges); labels is a sorted tuple of (mu, nu)."""
    found = [(((mu, 0),), ()) for mu in range((level - 2) // 4 + 1)]  # scalar moments alone
    ranked = sorted((mu, nu) for mu in range(level) for nu in range(1, level) if moment_level(mu, nu) <= level)
    for n in range(2, max_tensors + 1):
        for labels in itertools.combinations_with_replacement(ranked, n):
            degrees = [nu for _, nu in labels]
            if sum(moment_level(*x) for x in labels) > level or sum(degrees) % 2:
                continue
            seen = set()
            for edges in _contraction_patterns(degrees):
                if _is_connected(n, edges):
                    key = _canonical(labels, edges)
                    if key not in seen:
                        seen.add(key)
                        found.append((labels, key))
    return found


class _SlotTable:
    """Builds MLIP's alpha_index_basic / alpha_index_times bookkeeping.

    Basic slots hold one component (mu, p, q, t) of a symmetric moment tensor; composite slots
    hold sum_k m_k M_a M_b and are shared whenever the same sum recurs (that is where tensor
    symmetry turns into MLIP's multiplicities m).
    """

    def __init__(self, labels):
        self.basic, self._basic_slot = [], {}
        for mu, nu in sorted(labels):
            for comp in itertools.combinations_with_replacement(range(3), nu):
                self._basic_slot[(mu, comp)] = len(self.basic)
                self.basic.append([mu, comp.count(0), comp.count(1), comp.count(2)])
        self._terms, self._composite = [], {}

    def basic_slot(self, mu, cartesian):
        return self._basic_slot[(mu, tuple(sorted(cartesian)))]

    def composite(self, terms: Counter):
        key = tuple(sorted(terms.items()))
        if key not in self._composite:
            self._composite[key] = ("c", len(self._composite))
            self._terms.append(key)
        return self._composite[key]

    def product(self, a, b):
        return self.composite(Counter({tuple(sorted((a, b), key=_slot_order)): 1}))

    def contract(self, labels, edges):
        """Slot of a connected contraction, built by absorbing one tensor at a time."""
        if not edges:
            return self.basic_slot(labels[0][0], ())
        n = len(labels)
        ends = [(i, j) for i, j, m in edges for _ in range(m)]  # one entry per contracted index pair
        incident = {v: [e for e, ij in enumerate(ends) if v in ij] for v in range(n)}
        order = [0]
        while len(order) < n:  # breadth-first, so each new tensor shares an index with the done part
            order.append(next(v for v in range(n) if v not in order
                              and any(set(ends[e]) & set(order) for e in incident[v])))
        open_idx = list(incident[0])
        partial = {a: self.basic_slot(labels[0][0], a)
                   for a in itertools.product(range(3), repeat=len(open_idx))}
        for v in order[1:]:
            closing = [e for e in open_idx if e in incident[v]]
            new_open = [e for e in open_idx if e not in closing] + [e for e in incident[v] if e not in closing]
            new_partial = {}
            for assignment in itertools.product(range(3), repeat=len(new_open)):
                value = dict(zip(new_open, assignment))
                terms = Counter()
                for summed in itertools.product(range(3), repeat=len(closing)):
                    value.update(zip(closing, summed))
                    a = partial[tuple(value[e] for e in open_idx)]
                    b = self.basic_slot(labels[v][0], [value[e] for e in incident[v]])
                    terms[tuple(sorted((a, b), key=_slot_order))] += 1
                new_partial[assignment] = self.composite(terms)
            partial, open_idx = new_partial, new_open
        return partial[()]

    def tables(self, scalar_slots):
        nb = len(self.basic)

        def index(s):
            return nb + s[1] if isinstance(s, tuple) else s

        times = [[index(a), index(b), m, nb + c] for c, key in enumerate(self._terms) for (a, b), m in key]
        return self.basic, times, [index(s) for s in scalar_slots], nb + len(self._terms)


def _slot_order(s):
    return (1, s[1]) if isinstance(s, tuple) else (0, s)


def make_mtp_basis(level: int, max_tensors: int = 4):
    """(alpha_index_basic, alpha_index_times, alpha_moment_mapping, alpha_moments_count)."""
    conn = connected_contractions(level, max_tensors)
    lev = [sum(moment_level(*x) for x in labels) for labels, _ in conn]
    size = [len(labels) for labels, _ in conn]
    # basis functions = products of connected contractions (e.g. M_00^2, M_00 * (M_01 . M_01))
    funcs = [c for k in range(1, max_tensors + 1)
             for c in itertools.combinations_with_replacement(range(len(conn)), k)
             if sum(lev[i] for i in c) <= level and sum(size[i] for i in c) <= max_tensors]
    funcs.sort(key=lambda c: (sum(lev[i] for i in c), len(c), c))  # lower levels exist before use
    table = _SlotTable({x for labels, _ in conn for x in labels})
    slot = {}
    for c in funcs:
        if len(c) == 1:
            slot[c] = table.contract(*conn[c[0]])
        else:
            slot[c] = table.product(slot[c[:1]], slot[c[1:]])
    return table.tables([slot[c] for c in funcs])
