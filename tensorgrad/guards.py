"""Mutation guards: a value saved for the backward pass must not change before it.

A node keeps its inputs (the residuals its rules read). If one of them is a
NumPy array the caller still holds, writing to it after recording would
change the gradient silently. tensorgrad *locks* such arrays instead of
copying them: the array, and every array it is a view of, is made read-only
for as long as a tape needs it, then its flags are restored. That costs no
memory and no time proportional to the array's size.

* ``grad``, ``jacrev``, ``hessian``: the tape ends inside the call, so the
  locks end with it.
* ``vjp``, ``linearize``: the tape lives as long as the returned function;
  the locks are released when that function is garbage-collected.
* imperative tensors: each node holds its own locks until ``backward()``
  frees its saved values (or the node is collected).

Locks are **counted** and shared by every thread: an array locked by two
tapes (two threads, nested transforms, two views of one buffer) becomes
writable again only when the last of them lets go, and a view is restored
only after its base. An array that cannot be locked and restored reliably (a writable
``as_strided`` view, memory owned by a writable non-array object such as
``np.memmap`` or a ``bytearray``) is copied instead.
"""
from __future__ import annotations

import hashlib
import threading
import weakref
from typing import Callable

import numpy as np

from .tree import tree_flatten as _tree_flatten, tree_unflatten as _tree_unflatten

__all__ = ["Held", "HeldArgs", "lock", "lock_inputs", "kept", "unlock", "frozen", "holding", "release_with", "locked_tree",
           "check_intact", "check_all_intact"]

#: guards the table below; reentrant, because the garbage collector may finalize a
#: Held inside the critical section (see Held.__del__)
_MUTEX = threading.RLock()
#: counts given back by holders collected *inside* the critical section; the
#: section gives them back before it ends
_DEFERRED: list = []
#: id(array) -> [array, count, what saved it, watched, layout]; a count of 0 means the array
#: is waiting for a base that is still locked before it can be made writable again.
#: ``watched``: the array was read-only already (its owner's doing, not ours): it is only
#: watched (check_intact raises if it turns writable while held) and never made writable.
#: ``layout``: its (shape, strides, dtype) when locked; NumPy lets ``a.dtype = ...`` and
#: ``a.shape = ...`` change a read-only array's reading of its memory (check_intact raises)
_TABLE: dict = {}
#: views no tape holds any more, kept read-only because an array they view is still locked:
#: id(that array) -> ids of the views waiting for it; and id(view) -> id(that array)
_WAITING: dict = {}
_BLOCKED_BY: dict = {}
#: the holders of imperative nodes (checked by ``backward()``)
_NODE_HOLDERS: "weakref.WeakSet" = weakref.WeakSet()


class Held:
    """The arrays one tape (or one imperative node) keeps locked, one count each.

    Releasing it (:func:`unlock`, or dropping the last reference) gives the
    counts back.
    """

    __slots__ = ("arrays", "seen", "copy", "snaps", "__weakref__")

    def __init__(self, copy: bool = False):
        self.arrays: list = []   # every array this holder counted (views and their bases)
        self.seen: dict = {}     # id -> array already made safe by this holder
        self.copy = copy         # True: lock nothing, make private copies instead
        self.snaps = None        # [(array, its digest, layout, who read it)]: see watch_contents
        _BACKUPS[weakref.ref(self, _second_chance(self.arrays))] = self.arrays
        _MADE[0] += 1
        if _MADE[0] >= _MADE[1]:
            sweep_lost()

    def __del__(self):
        if not getattr(self, "arrays", None):  # (none, or __init__ did not finish)
            return
        interrupted = None
        while self.arrays:  # (this is the last chance to give the counts back)
            try:
                if _MUTEX._is_owned():  # collected inside this thread's own critical section
                    _DEFERRED.append(self.arrays)
                    self.arrays = []
                else:
                    unlock(self)
            except Exception:  # interpreter shutdown: nothing left to protect  # pragma: no cover
                return
            except BaseException as exc:  # an interrupt: the rest first, then it
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted


#: weak references to the live holders (-> the list of arrays each counted), whose callbacks
#: give back what a holder's __del__ could not (kept here, so that a holder collected in a
#: reference cycle still calls them)
_BACKUPS: dict = {}
#: holders made so far, and the count at which the next :func:`sweep_lost` runs: after as
#: many new holders as there are live ones (at least 1024), so its scan costs O(1) per holder
_MADE = [0, 1024]


def sweep_lost() -> None:
    """Give back the counts of holders collected while both their ``__del__`` and their
    weak-reference callback were interrupted as they began (two interrupts microseconds
    apart: Python reports and drops each): their dead references are still in
    ``_BACKUPS``, with the arrays no one gave back."""
    _MADE[1] = _MADE[0] + max(1024, len(_BACKUPS))
    for ref, arrays in list(_BACKUPS.items()):
        if ref() is None:
            _BACKUPS.pop(ref, None)
            _give_back_soon(arrays)


def _second_chance(arrays: list):
    """The weak-reference callback of a holder that counted ``arrays``: it runs after the
    holder's ``__del__``, and gives back the counts an interrupt stopped that from giving
    back (a Ctrl-C landing as ``__del__`` begins: Python reports it and drops it)."""
    def give_back(ref):
        _BACKUPS.pop(ref, None)
        _give_back_soon(arrays)
    return give_back


def _give_back_soon(arrays: list) -> None:
    if not arrays:  # (the common case: __del__ gave everything back)
        return
    if _MUTEX._is_owned():  # collected inside this thread's own critical section
        _DEFERRED.append(arrays)
        return
    with _MUTEX:
        _give_back(arrays)
        if _DEFERRED:
            _drain()


class HeldArgs(tuple):
    """A node's saved inputs together with the locks that protect them (imperative nodes).

    When the sweep frees the saved values (``node.args = None``) or the node
    is collected, the :class:`Held` goes with it and the arrays are unlocked.
    """


def _drain() -> None:
    # inside the critical section: counts of holders collected while it ran (each list is
    # emptied in place first, and an interrupt is raised once all are back, so none is left
    # for a next section that may never come)
    interrupted = None
    while _DEFERRED:
        try:
            _give_back(_DEFERRED[-1])
            _DEFERRED.pop()
        except BaseException as exc:  # noqa: BLE001 - raised again below, once all is back
            interrupted = interrupted or exc
    if interrupted is not None:
        raise interrupted


def _enter(a: np.ndarray, key: int, what: str, arrays: list) -> None:
    """A first count for ``a`` (inside the critical section). The entry and the holder's
    list come before the flag, so an interrupt (KeyboardInterrupt) between any two steps
    leaves nothing the give-back would not find: never an array read-only with no entry."""
    ours = a.flags.writeable
    # ours False: read-only by its owner, who may make it writable again: only watched
    _TABLE[key] = [a, 1, what, not ours, (a.shape, a.strides, a.dtype)]
    arrays.append(a)
    if ours:
        a.setflags(write=False)


def lock(a: np.ndarray, held: Held, what: str = "") -> bool:
    """Make ``a`` safe from writes for as long as ``held`` lives.

    ``what`` says who saved it, for error messages: an op's name, or
    ``"input k of <transform>"``. Returns False when ``a`` is writable but its
    memory belongs to something that is not an array, or ``held`` copies:
    then only a copy is safe.
    """
    key = id(a)
    seen = held.seen
    if key in seen:
        return True
    if a.base is None and not held.copy:  # owns its memory: the common case
        seen[key] = a
        with _MUTEX:  # (a with block: an interrupt cannot leave the mutex held)
            e = _TABLE.get(key)
            if e is not None:
                e[1] += 1  # (count and list first, as in _enter: an interrupt after them
                held.arrays.append(a)  # leaves nothing unfound)
                if e[1] == 1:
                    _unwait(key)
            else:
                _enter(a, key, what, held.arrays)
            if _DEFERRED:
                _drain()
        return True
    return _lock_chain(a, held, what)


def lock_inputs(values: list, held: Held, what: str) -> list:
    """:func:`lock` every array among ``values`` (a transform's input leaves), in one
    critical section for the arrays that own their memory.

    Returns ``values`` with each array that cannot be locked replaced by a
    private read-only copy: every array in the result is read-only.
    """
    out = list(values)
    rest = []
    if held.copy:
        rest = [i for i, a in enumerate(out) if isinstance(a, np.ndarray)]
    else:
        seen = held.seen
        arrays = held.arrays
        table = _TABLE
        ndarray = np.ndarray
        with _MUTEX:
            for i, a in enumerate(out):
                if type(a) is not ndarray or a.base is not None:
                    if isinstance(a, ndarray):
                        rest.append(i)  # a view, or an array subclass: the general path
                    continue
                key = id(a)
                if key in seen:
                    continue
                e = table.get(key)
                if e is not None:
                    e[1] += 1
                    arrays.append(a)
                    if e[1] == 1:
                        _unwait(key)
                else:
                    _enter(a, key, what, arrays)
                seen[key] = a
            if _DEFERRED:
                _drain()
    for i in rest:
        a = out[i]
        out[i] = kept(a, held, what) if type(a) is np.ndarray else plain_kept(a, held, what)
    return out


def plain_arrays(values: tuple, where: str) -> tuple:
    """``values`` with each array of a NumPy subclass seen as a plain array (forward mode, where
    nothing is locked)."""
    return tuple(plain_array(v, where) if type(v) is not np.ndarray and isinstance(v, np.ndarray)
                 else v for v in values)


def plain_kept(a: np.ndarray, held: Held, what: str) -> np.ndarray:
    """:func:`kept` for an array of a NumPy subclass: the array itself locked (or copied), then
    seen as a plain array (:func:`plain_array`; a view of a locked array is read-only too)."""
    _no_mask(a, what)  # (before anything is locked)
    return kept(a, held, what).view(np.ndarray)


def plain_array(a: np.ndarray, where: str) -> np.ndarray:
    """An array of a NumPy subclass (``np.matrix``, ``np.memmap``, ...) as a plain array of the
    same memory, as JAX takes it: ops compute with NumPy's functions, not the subclass's (``*``
    of matrices). A masked array is refused: its mask would be lost (JAX refuses it too)."""
    _no_mask(a, where)
    return a.view(np.ndarray)


def _no_mask(a: np.ndarray, where: str) -> None:
    if isinstance(a, np.ma.MaskedArray):
        raise ValueError(f"{where}: a NumPy masked array (shape {a.shape}, dtype {a.dtype}) met a "
                         "traced value; tensorgrad computes with plain arrays, so the mask would be "
                         "lost. Pass a.filled(value), or a.data with the mask applied by tg.where")


def kept(a: np.ndarray, held: Held, what: str) -> np.ndarray:
    """``a`` locked into ``held``, or a private read-only copy of it when its memory cannot be
    locked (see :func:`lock`)."""
    if lock(a, held, what):
        return a
    notes = getattr(_COPIED, "arrays", None)
    if notes is not None:
        notes.append(a)
    a = a.copy()
    a.setflags(write=False)
    return a


_COPIED = threading.local()


class noting_copies:
    """Within it, the arrays :func:`kept` copies (instead of locking them) are listed in the
    list it gives (``tg.checkpoint``'s forward pass: its backward pass reads them again)."""

    def __enter__(self) -> list:
        self.outer = getattr(_COPIED, "arrays", None)
        _COPIED.arrays = []
        return _COPIED.arrays

    def __exit__(self, *exc) -> None:
        _COPIED.arrays = self.outer


def watch_contents(a: np.ndarray, held: Held, what: str) -> None:
    """Keep a digest of ``a``'s bytes with ``held``, for an array that cannot be locked but will
    be read again (a ``custom_vjp`` rule's closure, a checkpointed function): :func:`check_intact`
    raises if it changed meanwhile, rather than letting the gradient read the new values. (A
    digest, not a copy: a large memmap costs one read, no memory.)"""
    if held.snaps is None:
        held.snaps = []
    held.snaps.append((a, _digest(a), (a.shape, a.strides, a.dtype), what))


def _digest(a: np.ndarray) -> bytes:
    data = a if a.flags.c_contiguous else np.ascontiguousarray(a)
    return hashlib.blake2b(data.reshape(-1).view(np.uint8) if data.size else b"",
                           digest_size=16).digest()


def _writable_buffer(owner) -> bool:
    """True if ``owner`` (a non-array object holding an array's memory) can be written."""
    try:
        return not memoryview(owner).readonly
    except TypeError:  # no buffer interface (a torch tensor's memory, a ctypes pointer): it
        return True    # may well be written behind NumPy's back, so only a copy is safe


def _lock_chain(a: np.ndarray, held: Held, what: str) -> bool:
    """:func:`lock` for a view (lock it and every array it views) or for a copying holder.

    The chain may pass through a helper object (``as_strided`` and
    ``sliding_window_view`` hang their views on one): arrays above such a
    link cannot be made writable again, so if one of them is writable only a
    copy is safe. Memory owned by a writable non-array object (``np.memmap``,
    a ``bytearray``) can be written behind NumPy's back: copied too.
    """
    table = _TABLE
    chain = []
    above = 0  # chain[:above] hang on a helper object: they cannot be restored
    link = a
    while link is not None:
        if isinstance(link, np.ndarray):
            chain.append(link)
            link = link.base
            continue
        nxt = getattr(link, "base", None)
        if not isinstance(nxt, np.ndarray):
            break
        above = len(chain)
        link = nxt
    if link is not None and _writable_buffer(link):
        return False
    if held.copy or any(c.flags.writeable for c in chain[:above]):
        return False
    stuck = False  # a read-only array below, not ours: NumPy keeps every view of it read-only
    for c in reversed(chain[above:]):
        if c.flags.writeable:
            if stuck:  # a writable view of it, once locked, could never be made writable again
                return False
        elif id(c) not in table or table[id(c)][3]:  # (in the table read-only by its owner:
            stuck = True                              # watched by another holder, not ours)
    arrays = held.arrays
    with _MUTEX:  # (those above a helper object are read-only by now: watched)
        for c in chain:
            e = table.get(id(c))
            if e is not None:
                e[1] += 1
                arrays.append(c)
                if e[1] == 1:
                    _unwait(id(c))
            else:
                _enter(c, id(c), what, arrays)
        if _DEFERRED:
            _drain()
    held.seen[id(a)] = a
    return True


def unlock(held: Held) -> None:
    """Give back every count ``held`` took; arrays no one holds become writable again.

    Never raises: an array whose base the caller made read-only meanwhile
    simply stays read-only. The counts leave ``held.arrays`` one by one as they are given
    back, so an interrupt before the give-back ends leaves the rest for the next try
    (``Held.__del__``), and one during it is raised only once every count is back.
    """
    if held.seen:
        held.seen = {}
    if not held.arrays:
        return
    with _MUTEX:
        _give_back(held.arrays)
        if _DEFERRED:
            _drain()


def _give_back(arrays: list) -> None:
    """One count back for each array, emptying ``arrays`` (inside the critical section).

    An exception raised meanwhile by a signal handler (KeyboardInterrupt) does not stop
    it: the give-back goes on to the end, puts right the array it was at, and raises
    the exception then. (Each count leaves ``arrays`` in the same step as it is given
    back, and an array whose count reached 0 is finished by :func:`_repair` if the
    interrupt came first.)"""
    interrupted = None
    while True:
        try:
            _give_back_each(arrays)
            if interrupted is not None:
                _repair()
            break
        except BaseException as exc:  # noqa: BLE001 - raised again below, once all is back
            if interrupted is None:
                interrupted = exc
    if interrupted is not None:
        raise interrupted


def _give_back_each(arrays: list) -> None:
    table = _TABLE
    while arrays:
        e = table.get(id(arrays[-1]))
        if e is None:
            arrays.pop()
            continue
        e[1] -= 1  # (no call between these two lines: an interrupt cannot split them)
        c = arrays.pop()
        if not e[1]:
            _finish(c, e)


def _finish(c: np.ndarray, e: list) -> None:
    """The array no holder counts any more: writable again (see :func:`_park`)."""
    key = id(c)
    if _TABLE.get(key) is not e:  # (finished already)
        return
    if e[3]:  # only watched: its flags stay as its owner set them
        _TABLE.pop(key, None)
        if _WAITING:
            _wake(key)
    elif c.base is None:  # owns its memory: writable again at once
        try:
            c.setflags(write=True)
        except ValueError:  # pragma: no cover - memory NumPy will not write to
            pass
        _TABLE.pop(key, None)
        if _WAITING:
            _wake(key)
    else:
        _park(c)


def _repair() -> None:
    """After an interrupt: finish every array no holder counts that is not waiting for a
    base (an interrupt between a count reaching 0 and its array's finishing)."""
    for key, e in list(_TABLE.items()):
        if e[1] > 0:
            continue
        b = _BLOCKED_BY.get(key)
        if b is not None:
            if b in _TABLE:  # (waiting, rightly, for a base still locked)
                continue
            _BLOCKED_BY.pop(key, None)  # (the interrupt came as its base woke its views)
            _unlist(b, key)
        e[1] = 0
        _finish(e[0], e)


def _park(c: np.ndarray) -> None:
    """A view no tape holds: writable again, unless an array it views is still locked (a
    view cannot be writable while its base is not); then it waits for that array."""
    b = c.base
    while isinstance(b, np.ndarray):
        if id(b) in _TABLE:
            _WAITING.setdefault(id(b), set()).add(id(c))
            _BLOCKED_BY[id(c)] = id(b)
            return
        b = b.base
    try:
        c.flags.writeable = True
    except ValueError:  # the caller made a base read-only meanwhile: leave it
        pass
    _TABLE.pop(id(c), None)
    if _WAITING:
        _wake(id(c))


def _wake(key: int) -> None:
    """The array ``key`` left the table: the views that waited for it try again."""
    for i in _WAITING.pop(key, ()):
        _BLOCKED_BY.pop(i, None)
        e = _TABLE.get(i)
        if e is not None and e[1] == 0:
            _park(e[0])


def _unwait(key: int) -> None:
    """A waiting view is locked again: it no longer waits."""
    b = _BLOCKED_BY.pop(key, None)
    if b is not None:
        _unlist(b, key)


def _unlist(b: int, key: int) -> None:
    views = _WAITING.get(b)  # (gone if an interrupt came as ``b`` woke its views)
    if views is not None:
        views.discard(key)
        if not views:
            _WAITING.pop(b, None)


def _saved(a: np.ndarray, what: str, layout: tuple | None = None) -> str:
    if not what:
        what = "a tape"
    elif not what.startswith("input "):
        what = f"op {what!r}"  # an op's name
    shape, _, dtype = layout if layout is not None else (a.shape, None, a.dtype)
    return f"the array of shape {shape} and dtype {dtype} saved by {what}"


def check_intact(held: Held, where: str) -> None:
    """Raise if the caller made an array ``held`` locked writable again (it may have changed),
    or changed how it reads its memory (``a.dtype = ...``, ``a.shape = ...``)."""
    table = _TABLE
    if held.snaps:
        for a, before, layout, what in held.snaps:
            if (a.shape, a.strides, a.dtype) != layout or _digest(a) != before:
                raise RuntimeError(
                    f"{where}: {_saved(a, what, layout)} (which tensorgrad cannot lock, so it "
                    "kept a digest to compare) was written or changed before the backward pass "
                    "read it again, so the gradient would be wrong. Do not write to it until "
                    "the pullback or graph is released, or pass a copy")
    for c in held.arrays:
        e = table.get(id(c))
        if e is not None and e[4] != (c.shape, c.strides, c.dtype):
            raise RuntimeError(
                f"{where}: {_saved(c, e[2], e[4])} for the backward pass now reads "
                f"its memory as shape {c.shape}, strides {c.strides}, dtype {c.dtype} (its shape, "
                "strides or dtype attribute was set) while it was still needed, so the gradient "
                "would be wrong. Release the "
                "pullback or graph first, or change a view (a.view(dtype), a.reshape(...)), "
                "not the array itself")
        if c.flags.writeable:
            e = _TABLE.get(id(c))
            raise RuntimeError(
                f"{where}: {_saved(c, e[2] if e else '')} for the backward pass was made writable "
                "again (flags.writeable = True) while it was still needed, so the gradient could "
                "be wrong. Do not write to arrays a live pullback or graph has saved: release it "
                "first (del the vjp/linearize function, or run backward() without "
                "retain_graph), or pass a copy")


def check_all_intact(where: str, roots=None) -> None:
    """:func:`check_intact` for the locks of every live imperative node (``backward()``); with
    ``roots`` (the nodes the sweep starts from), a broken lock counts only if the graph below
    them holds it: another thread's graph, or one left alive elsewhere, is not this sweep's."""
    with _MUTEX:  # (another thread may be adding its graph's holders meanwhile)
        holders = list(_NODE_HOLDERS)
    mine = None
    for held in holders:
        try:
            check_intact(held, where)
        except RuntimeError:
            if roots is None:
                raise
            mine = _holders_below(roots) if mine is None else mine
            if id(held) in mine:
                raise


def _holders_below(roots) -> set:
    """The ids of the lock holders that the nodes reachable from ``roots`` carry."""
    found, seen, stack = set(), set(), [r for r in roots if r is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        held = getattr(node.args, "held", None)
        if held is not None:
            found.add(id(held))
        stack.extend(p for p in node.parents if p is not None)
    return found


def frozen(primals: tuple, parents: tuple, opname: str, held) -> tuple:
    """The residuals a node keeps, with constant arrays made safe from mutation.

    ``parents[i]`` is None for a constant input (not traced at this level).
    Constants are locked into ``held`` (the trace's holder); with ``held``
    None (the imperative tape) the node gets a holder of its own, carried by
    the returned :class:`HeldArgs`. Traced values are tensorgrad's own op
    outputs, never handed out writable: kept as they are.
    """
    if held is not None and len(parents) == 2 and (parents[0] is None) is not (parents[1] is None):
        # the hot case, a two-input op with one constant: a number needs nothing, an
        # array of numbers one lock() (at once if this tape holds it already)
        a = primals[0] if parents[0] is None else primals[1]
        if not isinstance(a, np.ndarray):
            return primals
        if type(a) is np.ndarray and a.dtype.kind not in "OUSV" and lock(a, held, opname):
            return primals
    own = False
    out = None
    i = -1
    for p in parents:
        i += 1
        if p is not None:
            continue
        a = primals[i]
        if not isinstance(a, np.ndarray):  # a number: immutable
            continue
        if held is None:
            held = Held()
            own = True
        elif id(a) in held.seen and type(a) is np.ndarray:  # this tape already made it safe
            continue  # (a subclass still needs its plain view below)
        if a.dtype.kind in "OUSV":  # NumPy would compute on objects, slowly and untyped
            raise TypeError(f"{opname}: a constant of dtype "
                            f"{a.dtype} (shape {a.shape}) met a traced value; tensorgrad "
                            "differentiates numeric arrays only (convert with .astype(float))")
        safe = kept(a, held, opname) if type(a) is np.ndarray else plain_kept(a, held, opname)
        if safe is not a:
            if out is None:
                out = list(primals)
            out[i] = safe
    if out is not None:
        primals = tuple(out)
    if own:
        primals = holding(primals, held)
    return primals


class _Then:
    __slots__ = ("fn",)

    def __init__(self, fn: Callable):
        self.fn = fn

    def __del__(self):
        self.fn()


def release_with(args: tuple, fn: Callable) -> None:
    """Call ``fn()`` too when a node's saved values ``args`` (made by :func:`holding` with a
    ``then``) go; nothing for other saved values."""
    then = getattr(args, "then", None)
    if then is not None:
        first = then.fn
        then.fn = lambda: (first(), fn())


def holding(args: tuple, held: Held, then: Callable | None = None) -> tuple:
    """A node's saved inputs ``args`` carrying the locks of ``held`` (an imperative node's own
    holder): released when the sweep frees them or the node is collected; ``then()`` is called
    at that moment too (a custom rule's residuals go with them, as PyTorch's saved tensors)."""
    if not held.arrays and not held.snaps and then is None:
        return args
    args = HeldArgs(args)
    args.held = held
    if then is not None:
        args.then = _Then(then)  # (called when the tuple goes: a tuple takes no weak reference)
    if held.arrays or held.snaps:  # (checked by backward(): check_all_intact)
        with _MUTEX:
            _NODE_HOLDERS.add(held)
    return args


def locked_tree(tree, held: Held, what: str, plain: bool = False):
    """``tree`` (a custom rule's residuals) with each numeric NumPy array in it locked into
    ``held``, or replaced by a read-only copy when it cannot be locked. Arrays of a subclass
    too (a view of the caller's array as one shares its memory, which then locks); with
    ``plain``, handed on as plain arrays (``custom_vjp``'s residuals, as JAX's)."""
    leaves, td = _tree_flatten(tree)
    safe = [(plain_kept if plain and type(v) is not np.ndarray else kept)(v, held, what)
            if isinstance(v, np.ndarray) and v.dtype.kind not in "OUSV" else v for v in leaves]
    return tree if all(s is v for s, v in zip(safe, leaves)) else _tree_unflatten(td, safe)


def lock_closure(fn, held: Held, what: str) -> None:
    """Lock into ``held`` the numeric NumPy arrays a custom rule ``fn`` reads besides its
    arguments, from its closure or by a global name (``c`` in ``bwd = lambda res, g: (g * c,)``):
    a write between the forward pass and the pullback would change the gradient as a
    residual's would. One that cannot be locked in place (see :func:`lock`; the rule keeps
    reading the array itself) is compared with a digest of its bytes before the backward pass
    (:func:`watch_contents`). Arrays reached through other objects are not seen."""
    found = []
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            found.append(cell.cell_contents)
        except ValueError:  # (an empty cell)
            continue
    code, names = getattr(fn, "__code__", None), getattr(fn, "__globals__", None)
    if code is not None and names is not None:
        found.extend(names.get(n) for n in code.co_names)
    what = f"{what}: an array its rule reads from its closure or globals"
    for v in found:
        if isinstance(v, np.ndarray) and v.dtype.kind not in "OUSV" and id(v) not in held.seen:
            if not lock(v, held, what):  # (a memmap, a writable strided view: compared instead)
                watch_contents(v, held, what)
