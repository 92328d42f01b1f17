"""PyTorch's views for in-place writes: ``w[0].zero_()`` writes into ``w``.

In PyTorch, basic indexing (integers, slices, ``...``, ``None``) gives a view that shares
the tensor's storage, so an in-place update of the part updates the whole:
``with torch.no_grad(): emb.weight[pad].zero_()``. A tensorgrad Tensor's value is never
changed in place, so the part is a tensor of its own; without more, the update would reach
only it and the whole would silently keep its old values. So a part taken by basic
indexing from a tensor of the imperative tape (or a constant tensor) is noted with its
whole and index, and an in-place update of the part (``t += v``, ``t[...] = v``, the
trailing-underscore methods) is written on into the whole by item assignment
(``whole[index] = part``), with item assignment's rules (a leaf that requires grad takes it
only inside ``tg.no_grad()``, as PyTorch refuses an in-place update of a view of such a leaf
while recording), and so on up for a part of a part (``w[0][1:].zero_()``): a part holds its
whole alive, as a PyTorch view holds its base. The other way, an in-place update of the
whole reaching the part's place (through another name) is shown by the part, as a PyTorch
view shows it: :func:`wrote` gives the part the whole's new values there, and while
recording their history too. If the whole changed in a way that gives no such notice
(``t.data = v``, new memory in PyTorch as well), the part's update raises rather than write
old values back. Integer-array and boolean indexing give copies, in PyTorch too: not noted.

The methods that give PyTorch's other views (``t.T``, ``t.t()``, ``transpose``, ``permute``,
``view``, ``reshape`` and ``flatten`` where no copy is needed, ``unsqueeze``, ``squeeze``,
``diagonal``, ``movedim``, ``unflatten``, ``detach``, ...) are noted by :func:`note_positions`
when the part's NumPy value is a view of the whole's, which is exactly when PyTorch's result
shares storage (NumPy and PyTorch need a copy in the same cases, ``t.T.reshape(-1)``). Their
place in the whole is the entries' positions, found from the memory the two values share,
and the update is written on by item assignment at those positions. A part of ``detach()``
writes on without recording, as PyTorch's ``t.detach().zero_()`` changes ``t``'s data; an
expanded part (``expand``) takes an update only where its entries that share a place agree.
"""
from __future__ import annotations

import functools
import threading
import weakref

import numpy as np

from .recording import IMPERATIVE, enter_grad_mode, exit_grad_mode, imperative_paused, no_grad_depth
from .tensor import Tensor, concrete

__all__ = ["note_view", "note_positions", "write_through", "wrote", "reshaped", "reshaped_part",
           "is_view", "replayed_view", "basic_index", "operator_writes_through"]

# id(part) -> (weakref to the part, the whole, index, the part's value when taken, quiet,
# recorded): the index is a basic index or the part's _Positions; quiet: written on without
# recording (detach); recorded: taken while recording (not inside tg.no_grad())
_VIEWS: dict = {}
# id(whole) -> the keys in _VIEWS of its noted parts (see wrote)
_PARTS: dict = {}


class _Writing(threading.local):
    part = None  # the part this thread is writing into its whole (write_through)


_WRITING = _Writing()
_LOCK = threading.RLock()  # (re-entrant: a garbage collection inside may run _forget)


def _basic_one(i) -> bool:
    if isinstance(i, Tensor):  # (a 0-d integer tensor, t[t.argmax()], is an int here)
        return i.ndim == 0 and np.dtype(i.dtype).kind in "iu"
    return i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) \
        and not isinstance(i, (bool, np.bool_))


def basic_index(index) -> bool:
    """Whether ``index`` is basic indexing (ints, slices, ``...``, ``None``): a view's, in
    NumPy and PyTorch."""
    return all(_basic_one(i) for i in (index if isinstance(index, tuple) else (index,)))


def _entry(t):
    """``t``'s entry in :data:`_VIEWS`, or None when ``t`` is no noted part."""
    with _LOCK:
        entry = _VIEWS.get(id(t))
    return entry if entry is not None and entry[0]() is t else None


def _whole(entry):
    """The whole of an entry (None once a detached part's weakly held whole is gone)."""
    return entry[1]() if entry[4] else entry[1]


def _forget(key: int, whole_key: int, ref) -> None:
    with _LOCK:
        if _VIEWS.get(key, (None,))[0] is ref:
            del _VIEWS[key]
        keys = _PARTS.get(whole_key)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del _PARTS[whole_key]


def _note(part, whole, held, index, value, quiet: bool) -> None:
    """Enter ``part`` in :data:`_VIEWS` (``held``: its whole, or a weak reference to it)."""
    key, whole_key = id(part), id(whole)
    entry = (weakref.ref(part, functools.partial(_forget, key, whole_key)), held, index, value,
             quiet, not imperative_paused())
    with _LOCK:
        _VIEWS[key] = entry
        keys = _PARTS.get(whole_key)
        if keys is None:
            _PARTS[whole_key] = {key}
        else:
            keys.add(key)


def wrote(t, region=None, quiet: bool = False) -> None:
    """After an in-place write into ``t`` at ``region`` (an index; None: everywhere): each noted
    part of ``t`` whose place it reaches shows the new values, as a PyTorch view shows its
    base's (``v = x[:2]; x.add_(1)``: ``v`` too), and so on down its own parts. A write while
    recording also gives a part taken while recording the new history there (``x.copy_(b)``:
    ``v`` is a part of ``b`` now, even where the values did not change); a write inside
    ``tg.no_grad()`` (or ``quiet``: ``t.data``'s in-place methods) changes values only."""
    keys = _PARTS.get(id(t))
    if not keys:
        return
    with _LOCK:
        entries = [_VIEWS.get(k) for k in tuple(keys)]
    for entry in entries:
        part = None if entry is None else entry[0]()
        if part is not None and part is not _WRITING.part and _whole(entry) is t \
                and (region is None or _reaches(entry[2], t, region)):
            _refresh(part, entry, t, quiet)


def _refresh(part, entry, whole, quiet: bool) -> None:
    index = entry[2]
    try:
        place = index.of(whole.shape) if type(index) is _Positions else _plain(index)
        value = np.asarray(concrete(whole))[place]
    except (IndexError, ValueError, TypeError, RuntimeError):
        return  # (the whole's shape changed: the part is stale, and its update raises)
    if value.shape != tuple(part.shape) or value.dtype != part.dtype:
        return
    if not (quiet or entry[4]) and entry[5] and whole._trace is IMPERATIVE and not imperative_paused():
        fresh = _plain_getitem(whole, place)
        part._value, part._trace, part._node = fresh._value, fresh._trace, fresh._node
    else:
        part._value = value
    with _LOCK:
        if _VIEWS.get(id(part), (None,))[0] is entry[0]:
            _VIEWS[id(part)] = entry[:3] + (part._value,) + entry[4:]
    wrote(part, None, quiet)


def _plain(index) -> tuple:
    """A basic index with its 0-d integer tensors as ints."""
    return tuple(int(concrete(i)) if isinstance(i, Tensor) else i
                 for i in (index if isinstance(index, tuple) else (index,)))


def _reaches(index, whole, region) -> bool:
    """Whether a write at ``region`` of ``whole`` reaches the place of a part at ``index``
    (True when that cannot be told: the shape changed, an index NumPy refuses)."""
    try:
        place = index.of(whole.shape) if type(index) is _Positions else _plain(index)
        mask = np.zeros(whole.shape, bool)
        mask[place] = True
        return bool(mask[tuple(concrete(i) if isinstance(i, Tensor) else i for i in (
            region if isinstance(region, tuple) else (region,)))].any())
    except (IndexError, ValueError, TypeError, RuntimeError):
        return True


def note_view(whole, index, part) -> None:
    """Note ``part = whole[index]`` when it is a view in PyTorch's sense."""
    if type(part) is not Tensor or part is whole:
        return
    if type(index) is not int and not basic_index(index):
        return
    if whole._trace is not IMPERATIVE and whole._trace is not None:
        return  # (a value a transform traces is immutable: nothing is written anywhere)
    _note(part, whole, whole, index, part._value, False)


class _Positions:
    """Where a view's entries sit in its whole, found (once, when an update needs it) from the
    memory their two NumPy values shared when the view was taken."""

    __slots__ = ("part", "whole", "index", "replay", "flat", "shared")

    def __init__(self, part: np.ndarray, whole: np.ndarray, replay=None):
        self.part, self.whole, self.index, self.replay = part, whole, None, replay
        self.flat, self.shared = None, False  # (shared: some entries of the part share one place)

    def of(self, whole_shape: tuple):
        if tuple(whole_shape) != self.whole.shape:
            raise RuntimeError(
                f"an in-place update of a view of a tensor whose shape changed since the view was "
                f"taken (from {self.whole.shape} to {tuple(whole_shape)}): take the view afresh")
        if self.index is None:
            if self.replay is not None:  # the method again, on the entries' flat positions
                flat = np.asarray(concrete(self.replay(
                    Tensor(np.arange(self.whole.size).reshape(self.whole.shape)))))
            else:
                flat = _flat_positions(self.part, self.whole)
            if flat is None:
                raise RuntimeError(
                    f"an in-place update of a view of shape {self.part.shape} whose entries are "
                    f"not entries of the tensor of shape {self.whole.shape}; clone() the view first")
            self.flat, self.shared = flat, bool(flat.size and np.unique(flat).size != flat.size)
            self.index = np.unravel_index(flat, self.whole.shape)
        return self.index

    def decided(self, new, then):
        """For an expanded view (entries sharing one place), which entry's value each place
        takes: an entry the update changed (``e[2] = 5`` on ``e = x.expand(3, 3)`` writes row 2
        into ``x``, as PyTorch writes the one memory), or any where none changed; as flat
        indices into the view (None for a view whose places are all its own). Changed entries
        of one place that disagree raise."""
        if not self.shared:
            return None
        flat = self.flat.ravel()
        vals, old = np.asarray(concrete(new)).ravel(), np.asarray(concrete(then)).ravel()
        changed = ~((vals == old) | ((vals != vals) & (old != old)))  # (NaN equals NaN here)
        order = np.lexsort((~changed, flat))  # by place, the changed entries of each first
        f = flat[order]
        first = np.r_[True, f[1:] != f[:-1]]
        leader = order[np.maximum.accumulate(np.where(first, np.arange(f.size), 0))]
        lv, ev = vals[leader], vals[order]
        agree = (ev == lv) | ((ev != ev) & (lv != lv))
        # (an unchanged entry beside a changed one takes its value; changed ones, or entries of
        # a place where none changed, must agree)
        if np.any(~first & ~agree & (changed[order] | ~changed[leader])):
            raise RuntimeError(
                f"an in-place update of an expanded view of shape {self.part.shape} gives "
                f"different values to entries that are one entry of the tensor of shape "
                f"{self.whole.shape}; clone() the view first, or update the tensor itself")
        rep = np.empty_like(flat)
        rep[order] = leader
        return rep.reshape(self.flat.shape)


def _offsets(a: np.ndarray) -> np.ndarray:
    """Each entry's byte address (an array of ``a``'s shape)."""
    out = np.full((), a.__array_interface__["data"][0], np.int64)
    for k, (n, step) in enumerate(zip(a.shape, a.strides)):
        out = np.add.outer(out, np.arange(n, dtype=np.int64) * step)
    return out


def _flat_positions(part: np.ndarray, whole: np.ndarray):
    """The flat index in ``whole`` of each entry of ``part`` (a view of its memory), or None
    when an entry of ``part`` is no entry of ``whole``."""
    if whole.size == 0 or part.size == 0:
        return np.zeros(part.shape, np.intp)
    w = _offsets(whole).ravel()
    order = np.argsort(w, kind="stable")
    ws = w[order]
    p = _offsets(part)  # (a whole that is itself expanded: the first place of the memory)
    i = np.minimum(np.searchsorted(ws, p), ws.size - 1)
    if np.any(ws[i] != p):
        return None
    return order[i]


def note_positions(whole, part, quiet: bool = False, replay=None, again=None) -> None:
    """Note ``part``, the result of a method of ``whole``, as a view of it when its NumPy value
    is a view of the whole's (see the module's docstring); ``quiet``: written on without
    recording (``detach``). ``replay`` (a function of a tensor: the method again) marks a
    method whose result is always a view (``diagonal``, whose value is a copy): the entries'
    places are its result on their flat positions."""
    if type(part) is not Tensor or type(whole) is not Tensor or part is whole:
        return
    if whole._trace is not IMPERATIVE and whole._trace is not None:
        return  # (a value a transform traces is immutable: nothing is written anywhere)
    pv, wv = part._value, whole._value
    if quiet and _detach_of_part(whole, part):
        return
    if replay is None and again is not None and np.ndim(wv) == 0 and type(pv) is np.ndarray:
        # a view of a 0-d part (x[1].view(1)), whose value is a NumPy scalar with no memory to
        # match: noted with the part's own whole, its places the method on the part's place
        entry = _entry(whole)
        up = None if entry is None or type(entry[2]) is _Positions else _whole(entry)
        if up is None or type(up._value) is not np.ndarray:
            return
        index = _plain(entry[2])
        whole, wv, quiet = up, up._value, quiet or entry[4]  # (of x[0].detach(): quiet too)
        replay = lambda t: again(_plain_getitem(t, index))  # noqa: E731
    if type(pv) is not np.ndarray or type(wv) is not np.ndarray or pv.dtype != wv.dtype \
            or (replay is None and not np.may_share_memory(pv, wv)):
        return
    if quiet:  # x[0].detach(): noted with the tensor the chain of parts starts from, since the
        # part in between is usually a temporary (held weakly, it would be gone at once)
        whole, wv = _root(whole, pv)
    # (a detached part holds its whole weakly: t.detach() must not keep t's graph alive, as
    # outputs.append(model(x).detach()) would; once t is gone there is nothing to write into)
    _note(part, whole, weakref.ref(whole) if quiet else whole, _Positions(pv, wv, replay), pv, quiet)


def _flat_in(index, shape: tuple) -> np.ndarray:
    """The flat position in a whole of ``shape`` of each entry of a part at ``index`` (a basic
    index or the part's _Positions), in the part's shape."""
    if type(index) is _Positions:
        return np.ravel_multi_index(index.of(shape), shape)
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[_plain(index)]


def _at(flat: np.ndarray, part, shape: tuple) -> _Positions:
    """The places ``flat`` (flat positions, in the part's shape) in a whole of ``shape``."""
    places = _Positions(np.asarray(concrete(part)), np.broadcast_to(np.empty((), np.int8), shape))
    places.flat, places.shared = flat, bool(flat.size and np.unique(flat).size != flat.size)
    places.index = np.unravel_index(flat, shape)
    return places


def reshaped(t, method, before: tuple) -> None:
    """After ``t``'s shape changed in place (``t.t_()``, ``t.unsqueeze_(0)``: its new value is
    ``method(t)`` of its value of shape ``before``), its noted parts keep their entries, as
    PyTorch's views keep their memory: each part's places are moved to the new layout."""
    keys = _PARTS.get(id(t))
    if not keys:
        return
    n = int(np.prod(before, dtype=np.int64))
    moved = np.asarray(concrete(method(Tensor(np.arange(n).reshape(before)))))
    if moved.size != n or not np.array_equal(np.sort(moved.ravel()), np.arange(n)):
        return  # (not a rearrangement: the parts are stale, and their updates raise)
    now = np.empty(n, np.intp)
    now[moved.ravel()] = np.arange(n)  # old flat position -> new flat position
    with _LOCK:
        entries = [(k, _VIEWS.get(k)) for k in tuple(keys)]
    for key, entry in entries:
        if entry is None or _whole(entry) is not t:
            continue
        try:
            old = _flat_in(entry[2], before)
        except (IndexError, ValueError, RuntimeError):
            continue
        places = _at(now[old], entry[3], moved.shape)
        with _LOCK:
            if _VIEWS.get(key) is entry:
                _VIEWS[key] = entry[:2] + (places,) + entry[3:]


def reshaped_part(t, method, before: tuple) -> None:
    """After the part ``t`` changed its own shape in place (``piece.t_()``: its new value is
    ``method`` of its value of shape ``before``), its places in its whole follow: the method
    on the places it had, as a PyTorch view's strides change and its memory stays."""
    entry = _entry(t)
    whole = None if entry is None else _whole(entry)
    if whole is None:
        return
    try:
        old = _flat_in(entry[2], whole.shape)
        flat = np.asarray(concrete(method(Tensor(np.asarray(old).reshape(before)))))
    except (IndexError, ValueError, RuntimeError):
        return
    places = _at(flat, t, whole.shape)
    with _LOCK:
        if _VIEWS.get(id(t)) is entry:
            _VIEWS[id(t)] = entry[:2] + (places, t._value) + entry[4:]


def _detach_of_part(whole, part) -> bool:
    """Note ``part = whole.detach()`` of a part taken by basic indexing (``x[i].detach()``, a 0-d
    one too, whose value has no memory to match) or of a replayed view (``diagonal``, whose
    value is a copy) as that part's place in its own whole, held weakly (see
    :func:`note_positions`). False when ``whole`` is no such part."""
    entry = _entry(whole)
    if entry is None or type(entry[2]) is _Positions and entry[2].replay is None \
            or np.shape(part._value) != np.shape(whole._value):
        return False  # (a view sharing memory: _root finds its tensor from the memory)
    up, places = _whole(entry), entry[2]
    if up is None:
        return False
    for _ in range(10_000):  # (up a chain of views, x.t().diagonal().detach(): the places in the
        above = _entry(up)  # tensor it starts from, since the views between are temporaries)
        root = None if above is None else _whole(above)
        if root is None:
            break
        try:
            flat = np.asarray(_flat_in(above[2], root.shape)).ravel()[_flat_in(places, up.shape)]
        except (IndexError, ValueError, RuntimeError):
            break
        places, up = _at(flat, part, root.shape), root
    _note(part, up, weakref.ref(up), places, part._value, True)
    return True


def _root(whole, pv: np.ndarray):
    """The first tensor up ``whole``'s chain of parts whose value ``pv`` is a view of, going
    up while each next one's value still holds ``pv``'s memory; with its value."""
    for _ in range(10_000):  # (bounded: a chain of parts, never a cycle)
        entry = _entry(whole)
        if entry is None:
            break
        up = _whole(entry)
        if up is None or type(up._value) is not np.ndarray or up._value.dtype != pv.dtype \
                or not np.may_share_memory(pv, up._value):
            break
        whole = up
    return whole, whole._value


def replayed_view(t) -> bool:
    """Whether ``t`` is a view whose places come from its method again (``diagonal``,
    ``unfold``: tensorgrad computes their values as copies, in a layout of its own)."""
    entry = _entry(t)
    return entry is not None and type(entry[2]) is _Positions and entry[2].replay is not None


def is_view(t) -> bool:
    """Whether ``t`` is a part noted by :func:`note_view` (its updates reach a whole)."""
    return _entry(t) is not None


def operator_writes_through(t) -> bool:
    """Whether an operator update of the constant part ``t`` (``v += 1``) writes on into its
    whole: only when the part comes, through parts, from a tensor of the imperative tape (a part
    taken under ``tg.no_grad()``: ``r = w[0]; r += 1`` updates ``w``, as in PyTorch). A constant
    tensor is a value for the operators (``c += 1`` rebinds the name), and so are its parts: JAX's
    arrays (``tensorgrad.numpy``'s) are constant tensors, and ``y = x.T; y += 1`` must leave
    ``x`` alone, as in JAX. The in-place methods (``v.add_(1)``) write on in every case."""
    for _ in range(10_000):  # (a chain of parts; bounded, never a cycle)
        if t._trace is IMPERATIVE:
            return True
        entry = _entry(t)
        if entry is None:
            return False
        t = _whole(entry)
        if t is None:
            return False
    return False


def write_through(part, setitem) -> None:
    """After an in-place update of ``part``: write it into the whole it was taken from (by
    ``setitem(whole, index, part)``), and so on up."""
    entry = _entry(part)
    if entry is None:
        return
    whole, index, then, quiet = _whole(entry), entry[2], entry[3], entry[4]
    if whole is None:
        return
    where = f"t[{index!r}], a part"
    rep = None
    if type(index) is _Positions:
        places = index
        index = plain = places.of(whole.shape)
        rep = places.decided(part, then)
        where = f"a view of shape {np.shape(then)}"
    else:
        plain = _plain(index)
    now = np.asarray(concrete(whole))[plain]
    if now is not then and not np.array_equal(now, concrete(then), equal_nan=True):
        raise RuntimeError(
            f"an in-place update of {where} of a tensor of shape {whole.shape} "
            "taken before the tensor's values there changed: the part no longer shows them, "
            "so the update would write old values back; take the part afresh (t[i].zero_(), "
            "t.t().zero_())")
    if not (quiet or entry[5]) and part._trace is None and whole._trace is IMPERATIVE \
            and not imperative_paused():
        # (a part of a recorded tensor taken under no_grad, updated while recording: its
        # update has no history, so writing it on would silently cut the gradient)
        part._value = then  # (the update is refused as a whole: the part keeps its values)
        raise RuntimeError(
            f"an in-place update, while recording, of {where} of a tensor of shape "
            f"{whole.shape} that requires grad, taken inside tg.no_grad(): its gradient would be "
            "cut (PyTorch refuses it too). Take the part outside tg.no_grad(), or update it "
            "inside tg.no_grad()")
    value = part  # (an expanded view: each place takes its deciding entry's value, see decided)
    if rep is not None:
        value = _plain_getitem(part, np.unravel_index(rep, rep.shape))
    # (the whole's parts show the update, but this one shows it already, see wrote, unless it
    # is expanded: its entries of one place all show the value written there)
    outer, _WRITING.part = _WRITING.part, part if rep is None else None
    try:
        if quiet:  # (detach(): the whole's data changes, nothing is recorded)
            found = enter_grad_mode(no_grad_depth() + 1)
            try:
                setitem(whole, index, value)
            finally:
                exit_grad_mode(found)
        else:
            setitem(whole, index, value)
    finally:
        _WRITING.part = outer
    with _LOCK:  # (in step again: later updates of the part write on too)
        if _VIEWS.get(id(part), (None,))[0] is entry[0]:
            _VIEWS[id(part)] = entry[:3] + (part._value,) + entry[4:]


#: parts and views of values that a transform traces for PyTorch's API (tensorgrad.flavor), by
#: id: ``(part, whole)`` as weak references; and the wholes, by id: ``(whole, [parts])``. An
#: in-place update of a part whose whole is alive, or of a whole with live parts, cannot reach
#: the other (traced values are immutable), so it raises (tensorgrad.torch_updates)
_TRACED_PARTS: dict = {}
_TRACED_WHOLES: dict = {}


def note_traced_part(whole, part) -> None:
    """Note ``part``, a part or view of ``whole``, when a transform traces both for PyTorch
    (or ``part`` is a constant: ``whole.detach()``, which shares ``whole``'s memory in PyTorch,
    so an in-place update of either cannot reach the other here)."""
    trace = whole._trace
    entry = _TRACED_PARTS.get(id(whole))  # (a part of a part: noted with the outermost whole,
    if entry is not None and entry[0]() is whole and entry[1]() is not None:  # which may
        whole = entry[1]()  # outlive the part in between, y[:3][1:].mul_(0))
    if type(part) is Tensor and (part._trace is trace or part._trace is None) \
            and getattr(trace, "torch", False):
        with _LOCK:
            pk, wk = id(part), id(whole)
            _TRACED_PARTS[pk] = (weakref.ref(part, lambda _, k=pk: _TRACED_PARTS.pop(k, None)),
                                 weakref.ref(whole))
            held = _TRACED_WHOLES.get(wk)
            if held is None or held[0]() is not whole:
                held = _TRACED_WHOLES[wk] = (
                    weakref.ref(whole, lambda _, k=wk: _TRACED_WHOLES.pop(k, None)), [])
            held[1].append(weakref.ref(part))


def traced_part(t) -> bool:
    """Whether ``t`` is a part of a traced value that is still alive (see above)."""
    entry = _TRACED_PARTS.get(id(t))
    return entry is not None and entry[0]() is t and entry[1]() is not None


def traced_whole(t) -> bool:
    """Whether ``t`` has live parts noted by :func:`note_traced_part`."""
    entry = _TRACED_WHOLES.get(id(t))
    return entry is not None and entry[0]() is t and any(r() is not None for r in entry[1])


def has_parts(t) -> bool:
    """Whether a part or view of the tensor ``t`` was noted (:func:`note_view`) and is kept."""
    return bool(_PARTS.get(id(t)))


_plain_getitem = Tensor.__getitem__


def _getitem(self, index):
    part = _plain_getitem(self, index)
    trace = self._trace
    if trace is None or trace is IMPERATIVE:
        note_view(self, index, part)
    else:
        note_traced_part(self, part)
    return part


Tensor.__getitem__ = _getitem


def view_base(t):
    """PyTorch's ``t._base``: the tensor a view was taken from, at the start of a chain of views
    (``x[1:][1:]._base is x``); None for a tensor that is no view. ``detach()`` shares memory
    but is no view in PyTorch's sense (its ``_base`` is None); a view of it has it as base."""
    entry = _entry(t)
    if entry is None or entry[4]:
        return None
    whole = _whole(entry)
    for _ in range(10_000):  # (bounded: a chain of parts, never a cycle)
        up = _entry(whole)
        if up is None or up[4] or _whole(up) is None:
            return whole
        whole = _whole(up)
    return whole


Tensor._base = property(view_base)
Tensor._is_view = lambda self: view_base(self) is not None
