"""Grad-mode blocks each restore the mode they found (as PyTorch's), whatever order they end
in, and their decorators work on generator functions step by step."""
import gc
import threading

import numpy as np

import tensorgrad as tg

X = np.array([1.0, 2.0, 3.0])


def test_a_generator_abandoned_inside_a_later_block_does_not_stop_its_recording():
    def batches():
        with tg.no_grad():
            yield 1
            yield 2

    t = tg.tensor(X, requires_grad=True)
    g = batches()
    next(g)  # (suspended inside its no_grad block: this code runs without recording, as PyTorch)
    assert not tg.is_grad_enabled()
    with tg.enable_grad():
        y = t * 2.0
        del g
        gc.collect()  # the generator's block ends here, restoring what it found
        assert tg.is_grad_enabled()
        z = y * t
        loss = tg.sum(z + y)
    loss.backward()
    np.testing.assert_allclose(t.grad, 4 * X + 2)  # PyTorch 2.13: [6, 10, 14]
    assert not tg.is_grad_enabled()  # what the enable_grad block found
    with tg.enable_grad():
        pass
    tg.set_grad_enabled(True)


def test_a_block_closed_in_another_thread_restores_that_threads_mode_only():
    def held():
        with tg.no_grad():
            yield 1

    g = held()
    errors = []

    def first():
        next(g)  # this thread enters no_grad (and stays there: its block is still open)
        assert not tg.is_grad_enabled()

    def second():
        try:
            g.close()  # the block ends here: this thread gets back the mode it found (on)
            assert tg.is_grad_enabled()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
    for fn in (first, second):
        th = threading.Thread(target=fn)
        th.start()
        th.join()
    assert not errors
    assert tg.is_grad_enabled()


def test_one_no_grad_object_used_in_nested_blocks():
    ng = tg.no_grad()
    with ng:
        with ng:
            assert not tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def _yielded(decorator):
    @decorator
    def gen(t):
        yield t * 2.0, tg.is_grad_enabled()
        yield t * 3.0, tg.is_grad_enabled()
    return gen


def test_grad_mode_decorators_apply_inside_generator_functions():
    t = tg.tensor(X, requires_grad=True)
    with tg.no_grad():
        for y, on in _yielded(tg.enable_grad())(t):
            assert on and y.requires_grad
        assert not tg.is_grad_enabled()  # the caller's code between steps keeps its mode
    # (each made just before use: set_grad_enabled(mode) switches at once, as PyTorch's)
    for deco, want in [(lambda: tg.set_grad_enabled(False), False), (lambda: tg.set_grad_enabled(True), True),
                       (tg.inference_mode, False), (tg.no_grad, False)]:
        for y, on in _yielded(deco())(t):
            assert on == want and y.requires_grad == want
            assert tg.is_grad_enabled()
