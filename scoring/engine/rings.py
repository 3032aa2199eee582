"""Rule "rings": accounts that act only on each other do not lift each other. Pure arrays.

As seen from member X, a *ring* is a group of at least ``ring_min_size`` accounts, X not
among them, in which every account

- gives at least ``ring_share`` of its engagement to accounts of the group, and
- gets at least ``ring_share`` of the engagement it receives from accounts of the group
  (engagement by unknown people included: a ring has no audience of its own),

where X's own engagement, given and received, is left out of both shares. Actions by a
ring's accounts on X's posts do not count for X: not in True Reach, Amplification, Network
Impact or any topic. A closed circle of mutual admirers is a ring from the point of view of
each of its members (leave one out and the others still act only on each other); a group
that also engages, or is engaged by, the rest of the network is not.

Why X is left out: then nothing X does and nothing done to X changes which of X's engagers
form a ring, so with the rule in place an action on X's posts, an action X takes and a
network X connects can never lower X's score (PRODUCT.md properties 1-3). The rule does not
touch the influence fixed point (model.compute), which stays increasing in every action.

The group is the greatest one meeting the conditions (a greatest fixed point: start from
everyone, drop accounts that fail, until none does), split into connected pieces, each of at
least ``ring_min_size`` accounts. Computed once for everyone with each account's single
largest partner left out (a superset of every member's rings), then exactly, member by
member, only inside that superset: on graphs without rings the rule costs a few passes over
the edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph


def _closed(src, dst, w, mask, out_total, in_total, share):
    """The greatest subset of ``mask`` in which every account gives and gets at least
    ``share`` of ``out_total`` / ``in_total`` inside the subset (and something at all)."""
    n = mask.size
    while True:
        inside = mask[src] & mask[dst]
        s, d, x = src[inside], dst[inside], w[inside]
        out_in = np.bincount(s, weights=x, minlength=n)
        in_in = np.bincount(d, weights=x, minlength=n)
        keep = (
            mask
            & (out_in > 0)
            & (in_in > 0)
            & (out_in >= share * out_total)
            & (in_in >= share * in_total)
        )
        if np.array_equal(keep, mask):
            return mask
        mask, src, dst, w = keep, s, d, x


def _labels(src, dst, mask) -> np.ndarray:
    """Connected pieces of the accounts in ``mask`` (edges with both ends in it)."""
    inside = mask[src] & mask[dst]
    n = mask.size
    graph = sparse.coo_matrix(
        (np.ones(int(inside.sum())), (src[inside], dst[inside])), shape=(n, n)
    ).tocsr()
    return csgraph.connected_components(graph, directed=True, connection="weak")[1]


def _grouped(keys: np.ndarray, n: int):
    """Indices of ``keys`` sorted by key, and where each key's run starts (key k's indices
    are ``order[start[k]:start[k + 1]]``)."""
    order = np.argsort(keys, kind="stable")
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=start[1:])
    return order, start


def _largest(keys, values, n):
    """Per key (``keys`` sorted): the largest value, 0 for keys absent."""
    out = np.zeros(n)
    if keys.size:
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        out[keys[starts]] = np.maximum.reduceat(values, starts)
    return out


@dataclass
class _Engagement:
    """The engagement between members, one edge per (receiver, giver) pair: ``src`` gave
    ``w`` (float64) to ``dst`` (int64 nodes, the edges sorted by ``dst``). Per member
    (float64): ``received``, all it gets (unknown people's included), and ``given``, what
    it gives to members (filled for the accounts left after the first cut)."""

    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    received: np.ndarray
    given: np.ndarray


def _first_cut(src, dst, w, received, n_members: int, share: float):
    """A member gets at least ``share`` of its engagement from members, its largest giver
    aside, or is in no ring (a cheap first cut, on the edges sorted by receiver). Returns
    per member: who is left (bool), what each of them gives to members, and the totals of
    their shares, each without the largest partner: given, received (float64)."""
    largest_in = _largest(dst, w, n_members)
    in_total = received - largest_in
    from_members = np.bincount(dst, weights=w, minlength=n_members)
    gives = np.zeros(n_members, dtype=bool)
    gives[src] = True
    mask = gives & (from_members > 0) & (from_members >= share * in_total)
    giving = np.flatnonzero(mask[src])  # all the out-edges of those left
    order = giving[np.argsort(src[giving], kind="stable")]
    given = np.bincount(src[giving], weights=w[giving], minlength=n_members)
    out_total = given - _largest(src[order], w[order], n_members)
    return mask, given, out_total, in_total


def _ring_superset(e: _Engagement, mask, out_total, in_total, p):
    """Everyone at once, each leaving out their largest partner: every member's rings lie
    inside this set (X's share is at most the largest one), in its pieces of at least
    ``ring_min_size``. Returns the set (bool per member) and, when it is not empty, the
    piece of each member (int, from ``_labels``)."""
    # Only edges between those left after the first cut matter to it.
    cut = mask[e.src] & mask[e.dst]
    csrc, cdst, cw = e.src[cut], e.dst[cut], e.w[cut]
    superset = _closed(csrc, cdst, cw, mask, out_total, in_total, p.ring_share)
    label = None
    while superset.any():
        label = _labels(csrc, cdst, superset)
        sizes = np.bincount(label[superset], minlength=mask.size)
        big = superset & (sizes[label] >= p.ring_min_size)
        if np.array_equal(big, superset):
            break
        superset = _closed(csrc, cdst, cw, big, out_total, in_total, p.ring_share)
    return superset, label


@dataclass
class _Pieces:
    """The superset's pieces, indexed for the member-by-member pass (``_grouped`` runs):
    ``inner``, the edges with both ends in the set, and their positions in it by piece;
    the set's accounts by piece; the edges from each engaged member into the set, by giver."""

    label: np.ndarray  # piece of each member
    inner: np.ndarray
    piece_edges: np.ndarray
    piece_start: np.ndarray
    members_of: np.ndarray
    member_start: np.ndarray
    out_of: np.ndarray
    out_start: np.ndarray


def _index_pieces(e: _Engagement, superset, label, engaged) -> _Pieces:
    """The index of the superset's pieces; ``engaged``: the members engaged from inside it."""
    n_members = superset.size
    is_engaged = np.zeros(n_members, dtype=bool)
    is_engaged[engaged] = True
    inner = np.flatnonzero(superset[e.src] & superset[e.dst])
    piece_edges, piece_start = _grouped(label[e.src[inner]], n_members)
    in_set = np.flatnonzero(superset)
    members_of, member_start = _grouped(label[in_set], n_members)
    out_of = np.flatnonzero(is_engaged[e.src] & superset[e.dst])
    out_order, out_start = _grouped(e.src[out_of], n_members)
    return _Pieces(
        label=label,
        inner=inner,
        piece_edges=piece_edges,
        piece_start=piece_start,
        members_of=in_set[members_of],
        member_start=member_start,
        out_of=out_of[out_order],  # edges into the set, by giver
        out_start=out_start,
    )


def _pieces_without(x, x_in, e: _Engagement, pieces: _Pieces):
    """X's pieces of the superset (those of X's engagers there, ``x_in``: their edges into
    X) without X: their accounts (int64, sorted) and their edges (indices)."""
    mine = np.unique(pieces.label[e.src[x_in]])
    start, members_of = pieces.member_start, pieces.members_of
    nodes = np.concatenate([members_of[start[k] : start[k + 1]] for k in mine])
    nodes = np.sort(nodes[nodes != x])
    start, piece_edges = pieces.piece_start, pieces.piece_edges
    edges = pieces.inner[np.concatenate([piece_edges[start[k] : start[k + 1]] for k in mine])]
    edges = edges[(e.src[edges] != x) & (e.dst[edges] != x)]
    return nodes, edges


def _totals_without(x, nodes, x_in, e: _Engagement, pieces: _Pieces):
    """What each of ``nodes`` gives and gets (float64, per node in ``nodes``' order), X's
    own engagement, given and received, left out."""
    x_out = pieces.out_of[pieces.out_start[x] : pieces.out_start[x + 1]]
    out_x, in_x = e.given[nodes], e.received[nodes]  # fancy indexing: copies
    out_x[np.searchsorted(nodes, e.src[x_in])] -= e.w[x_in]
    at = np.minimum(np.searchsorted(nodes, e.dst[x_out]), nodes.size - 1)
    hit = nodes[at] == e.dst[x_out]  # X may engage other pieces too
    in_x[at[hit]] -= e.w[x_out][hit]
    return out_x, in_x


def _ring_seen_from(x, x_in, e: _Engagement, pieces: _Pieces, p):
    """The accounts (int64) of the rings seen from member X, exactly, on X's pieces of the
    superset without X; None when there is none or none of X's engagers is in one."""
    nodes, edges = _pieces_without(x, x_in, e, pieces)
    # Local numbering: the work is the size of X's pieces, not of the network.
    out_x, in_x = _totals_without(x, nodes, x_in, e, pieces)
    ls, ld = np.searchsorted(nodes, e.src[edges]), np.searchsorted(nodes, e.dst[edges])
    everyone = np.ones(nodes.size, dtype=bool)
    ring = _closed(ls, ld, e.w[edges], everyone, out_x, in_x, p.ring_share)
    if ring.sum() < p.ring_min_size or not np.isin(nodes[ring], e.src[x_in]).any():
        return None  # no ring, or none of X's engagers in it
    piece = _labels(ls, ld, ring)
    ring &= np.bincount(piece[ring], minlength=nodes.size)[piece] >= p.ring_min_size
    return nodes[ring]


def _edges_from_rings(e: _Engagement, superset, label, p) -> np.ndarray:
    """Each member X engaged from inside the superset, one at a time (a loop over those
    members only, each step the size of X's pieces): the edges (indices, bool) into X
    from the rings seen from X."""
    flagged = np.zeros(e.src.size, dtype=bool)
    # Only the edges between the set and those members are needed.
    engaged = np.unique(e.dst[superset[e.src]])
    pieces = _index_pieces(e, superset, label, engaged)
    into_first = np.searchsorted(e.dst, engaged)  # edges by receiver (dst is sorted)
    into_last = np.searchsorted(e.dst, engaged, side="right")
    for x, first, last in zip(engaged, into_first, into_last, strict=True):
        x_in = np.arange(first, last)
        x_in = x_in[superset[e.src[x_in]]]
        ring = _ring_seen_from(x, x_in, e, pieces, p)
        if ring is not None:
            flagged[x_in[np.isin(e.src[x_in], ring)]] = True
    return flagged


def ring_pairs(member, actor, weight, received, *, n_members: int, p) -> np.ndarray:
    """Per (member, actor) pair, sorted by member as ``model`` makes them, with the pair's
    weight: True when the actor is in a ring as seen from the member (see the module doc).
    ``received``: all the weight each member gets, unknown people's included. ``member``
    and ``actor`` int64 nodes, ``weight`` and ``received`` float64; returns bool per pair."""
    flags = np.zeros(member.size, dtype=bool)
    if p.ring_min_size <= 0 or n_members == 0:
        return flags
    # Only members can be in a ring: its accounts receive engagement, and only members'
    # posts are in the log. So a ring's edges run between members.
    edge = np.flatnonzero(actor < n_members)
    if edge.size == 0:
        return flags
    src, dst, w = actor[edge], member[edge], weight[edge]  # dst sorted
    mask, given, out_total, in_total = _first_cut(src, dst, w, received, n_members, p.ring_share)
    e = _Engagement(src=src, dst=dst, w=w, received=received, given=given)
    superset, label = _ring_superset(e, mask, out_total, in_total, p)
    if superset.any():
        flags[edge[_edges_from_rings(e, superset, label, p)]] = True
    return flags
