"""tg.utils.data: PyTorch's datasets, samplers and DataLoader on NumPy arrays."""
from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                   RandomSampler, SequentialSampler, Subset, SubsetRandomSampler,
                                   WeightedRandomSampler, IterableDataset, ChainDataset, StackDataset,
                                   TensorDataset, default_collate, default_convert, get_worker_info,
                                   random_split)

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def test_tensor_dataset_and_a_shuffled_loader_cover_every_sample_once_per_pass():
    ds = TensorDataset(X, tg.tensor(Y))
    assert len(ds) == 10 and ds[3][0].tolist() == [6.0, 7.0] and ds[3][1] == 3
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=np.random.default_rng(0))
    passes = [[(xb, yb) for xb, yb in loader] for _ in range(2)]
    assert len(loader) == 3
    for batches in passes:
        assert [len(yb) for _, yb in batches] == [4, 4, 2]
        seen = np.concatenate([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(10))
        for xb, yb in batches:
            np.testing.assert_array_equal(xb, X[yb])           # rows stay paired
    assert not np.array_equal(np.concatenate([b[1] for b in passes[0]]),
                              np.concatenate([b[1] for b in passes[1]]))  # a new order per pass
    plain = list(DataLoader(ds, batch_size=4, drop_last=True))
    assert len(plain) == 2 and plain[1][1].tolist() == [4, 5, 6, 7]
    with pytest.raises(ValueError, match="share their first axis"):
        TensorDataset(X, np.arange(3))


def test_random_split_subsets_and_concatenation():
    ds = TensorDataset(X, Y)
    a, b = random_split(ds, [0.8, 0.2], generator=0)
    assert (len(a), len(b)) == (8, 2) and sorted(a.indices + b.indices) == list(range(10))
    c, d, e = random_split(ds, [0.5, 0.25, 0.25], generator=1)   # 5, 2, 2 and 1 left: to the first
    assert (len(c), len(d), len(e)) == (6, 2, 2)
    with pytest.raises(ValueError, match="sum to"):
        random_split(ds, [3, 3])
    sub = Subset(ds, [9, 0])
    assert sub[0][1] == 9 and len(sub) == 2
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 12 and both[10][1] == 9 and both[-1][1] == 0
    with pytest.raises(IndexError):
        both[12]


def test_a_dataset_of_dicts_and_the_collate_rules():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(2, float(i)), "y": i, "name": f"s{i}"}
    batches = list(DataLoader(Squares(), batch_size=2))
    assert [b["y"].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0]["x"].shape == (2, 2) and batches[0]["name"] == ["s0", "s1"]
    assert list(DataLoader(Squares(), batch_size=None))[2]["y"] == 2   # no batching
    P = namedtuple("P", "a b")
    out = default_collate([P(np.ones(2), 1.5), P(np.zeros(2), 2.5)])
    assert isinstance(out, P) and out.a.shape == (2, 2) and out.b.tolist() == [1.5, 2.5]
    assert default_collate([[1, 2], [3, 4]])[0].tolist() == [1, 3]
    got = list(DataLoader(TensorDataset(X), batch_size=3, collate_fn=lambda s: len(s)))
    assert got == [3, 3, 3, 1]


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    r = RandomSampler(range(5), generator=3)
    assert sorted(r) == [0, 1, 2, 3, 4] and len(r) == 5
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=7, generator=0))
    assert len(drawn) == 7 and set(drawn) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([7, 8, 9], generator=0)) == [7, 8, 9]
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert len(BatchSampler(range(5), 2, drop_last=True)) == 2
    loader = DataLoader(TensorDataset(X, Y), batch_sampler=BatchSampler(range(10), 5, False))
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(TensorDataset(X), sampler=SequentialSampler(X), shuffle=True)


def test_a_training_loop_in_pytorchs_form_over_a_loader():
    rng = np.random.default_rng(0)
    Xc, yc = rng.normal(size=(64, 4)), rng.integers(0, 3, 64)
    model = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Linear(8, 3)).requires_grad_()
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(Xc, yc), batch_size=16, shuffle=True, generator=0)
    losses = []
    for _ in range(5):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = tg.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += float(loss) * len(yb)
        losses.append(total / len(Xc))
    assert losses[-1] < losses[0]


def test_pytorchs_rules_at_the_edges():
    class Scaled(TensorDataset):                      # a subclass's own samples are used
        def __getitem__(self, i):
            a, b = super().__getitem__(i)
            return a * 100, b
    xb, yb = next(iter(DataLoader(Scaled(X, Y), batch_size=2)))
    assert xb.tolist() == [[0, 100], [200, 300]] and yb.tolist() == [0, 1]
    assert [len(s) for s in random_split(TensorDataset(X), [1, 0])] == [10, 0]   # fractions
    with pytest.raises(ValueError, match="fraction at index 0 is not between 0 and 1"):
        random_split(TensorDataset(X), [1.5, -0.5])
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(TensorDataset(X), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, "x")
    drawn = list(WeightedRandomSampler([0.0, 1.0, 3.0], 50, generator=0))
    assert len(drawn) == 50 and set(drawn) == {1, 2} and drawn.count(2) > drawn.count(1)
    assert sorted(WeightedRandomSampler([1, 1, 1], 3, replacement=False, generator=1)) == [0, 1, 2]
    assert isinstance(default_collate([(np.ones(2), 1), (np.zeros(2), 2)]), list)
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_data_and_new_parameters_refuse_values_whose_gradient_they_would_drop():
    t = tg.tensor(np.ones((4, 2)), requires_grad=True)
    with pytest.raises(TypeError, match="requires grad"):
        TensorDataset(t)                                  # (it was silently detached)
    with pytest.raises(TypeError, match="requires grad"):
        default_collate([t[0], t[1]])
    assert len(TensorDataset(tg.tensor(np.ones((4, 2))))) == 4  # a constant tensor is data
    for make in (tg.nn.Parameter, tg.nn.Embedding.from_pretrained):
        with pytest.raises(TypeError, match="traced by a transform"):
            tg.grad(lambda v: (make(v), tg.sum(v))[1])(np.ones((2, 2)))


def test_a_dataset_of_tensors_gives_tensors_as_pytorchs_and_arrays_stay_arrays():
    images = np.arange(4 * 784, dtype=float).reshape(4, 784)
    ds = TensorDataset(tg.tensor(images), tg.tensor(np.arange(4)))
    xb, yb = next(iter(DataLoader(ds, batch_size=2)))            # the fast path (rows at once)
    assert isinstance(xb, tg.Tensor) and isinstance(yb, tg.Tensor) and not xb.requires_grad
    assert xb.view(-1, 1, 28, 28).shape == (2, 1, 28, 28) and yb.size(0) == 2
    np.testing.assert_array_equal(xb, images[:2])
    assert isinstance(ds[1][0], tg.Tensor) and int(ds[1][1]) == 1
    sub, _ = random_split(ds, [3, 1], generator=0)                # samples one by one, collated
    xs, ys = next(iter(DataLoader(sub, batch_size=3)))
    assert isinstance(xs, tg.Tensor) and isinstance(ys, tg.Tensor)
    np.testing.assert_array_equal(xs, images[np.asarray(ys)])
    mixed = next(iter(DataLoader(TensorDataset(tg.tensor(images), np.arange(4)), batch_size=2)))
    assert isinstance(mixed[0], tg.Tensor) and type(mixed[1]) is np.ndarray
    arrays = next(iter(DataLoader(TensorDataset(images, np.arange(4)), batch_size=2)))
    assert all(type(b) is np.ndarray for b in arrays)


def test_number_labels_beside_tensor_features_collate_to_tensors():
    class Images(Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return tg.tensor(np.ones((1, 4, 4)) * i), i

    X, y = next(iter(DataLoader(Images(), batch_size=4)))
    assert isinstance(X, tg.Tensor) and isinstance(y, tg.Tensor)
    assert y.size() == (4,) and y.tolist() == [0, 1, 2, 3]
    batch = default_collate([{"x": tg.tensor([1.0]), "label": 1}, {"x": tg.tensor([2.0]), "label": 0}])
    assert isinstance(batch["label"], tg.Tensor) and batch["label"].tolist() == [1, 0]
    plain = default_collate([(np.ones(2), 1), (np.zeros(2), 0)])   # arrays only: arrays
    assert all(type(b) is np.ndarray for b in plain)


def test_iterable_style_datasets_as_pytorchs():
    # IterableDataset, ChainDataset, StackDataset, default_convert and get_worker_info were
    # missing; the loader batches an iterable dataset's samples as they come. The expected
    # batches, lengths and container types are torch 2.13's for the same calls
    class Counting(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter([(np.full(2, float(i)), i) for i in range(self.n)])

        def __len__(self):
            return self.n

    batches = list(DataLoader(Counting(5), batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    np.testing.assert_array_equal(batches[2][0], [[4.0, 4.0]])
    assert len(DataLoader(Counting(5), batch_size=2)) == 3
    assert len(DataLoader(Counting(5), batch_size=2, drop_last=True)) == 2
    assert [b[1].tolist() for b in DataLoader(Counting(5), batch_size=2, drop_last=True)] == [[0, 1], [2, 3]]
    one = list(DataLoader(Counting(2), batch_size=None))
    assert type(one[0]) is list and one[1][1] == 1  # (default_convert: a tuple sample -> list)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Counting(3), shuffle=True)
    chained = Counting(2) + Counting(3)
    assert isinstance(chained, ChainDataset) and len(chained) == 5
    assert [s[1] for s in chained] == [0, 1, 0, 1, 2]
    stacked = StackDataset(TensorDataset(np.arange(3.0)), TensorDataset(2 * np.arange(3.0)))
    assert len(stacked) == 3 and stacked[1] == ((1.0,), (2.0,))
    assert StackDataset(a=[1, 2], b=[3, 4])[0] == {"a": 1, "b": 3}
    with pytest.raises(ValueError, match="size mismatch"):
        StackDataset([1, 2], [3])
    assert get_worker_info() is None
    assert default_convert((1, (2, 3))) == [1, [2, 3]]
    od = [OrderedDict(b=i, a=float(i)) for i in range(3)]
    assert type(next(iter(DataLoader(od, batch_size=2)))) is OrderedDict
    nested = [[i, ("a", "b")] for i in range(3)]
    assert next(iter(DataLoader(nested, batch_size=2)))[1][0] == ("a", "a")
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    ragged = [np.ones(2), np.ones(3)]
    with pytest.raises(RuntimeError, match=r"stack expects each array to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1"):
        next(iter(DataLoader(ragged, batch_size=2)))


def test_tg_manual_seed_makes_shuffles_and_splits_repeatable():
    # as torch.manual_seed does for a DataLoader's shuffle and random_split without generator=
    from tensorgrad.utils import data as U
    ds = U.TensorDataset(np.arange(20.0))

    def run(seed):
        tg.manual_seed(seed)
        order = [list(b[0]) for b in U.DataLoader(ds, batch_size=5, shuffle=True)]
        return order + [list(s.indices) for s in U.random_split(ds, [10, 10])]
    first = run(0)
    assert run(0) == first and run(1) != first
    assert sorted(v for batch in first[:4] for v in batch) == list(range(20))


def test_batches_of_pytorchs_tensors_keep_pytorchs_methods():
    # TensorDataset(tg.tensor(...)) and a Dataset returning tg.tensor samples gave batches with
    # NumPy's meanings: xb.std() biased, xb.max(1) the values only (so `_, pred = out.max(1)`
    # unpacked rows), xb.transpose(0, 1) a no-op, xb.repeat(2, 1) NumPy's repeat
    X = np.arange(12.0).reshape(4, 3) ** 1.5
    ds = tg.utils.data.TensorDataset(tg.tensor(X), tg.tensor(np.array([0, 1, 1, 0])))
    for loader in (tg.utils.data.DataLoader(ds, batch_size=4),
                   tg.utils.data.DataLoader(tg.utils.data.random_split(ds, [4], generator=0)[0], batch_size=4)):
        xb, yb = next(iter(loader))
        assert tg.is_tensor(xb) and tg.is_tensor(yb)
        rows = X if loader.dataset is ds else X[np.asarray(loader.dataset.indices)]
        np.testing.assert_allclose(float(xb.std()), np.std(rows, ddof=1), rtol=1e-14)
        values, indices = xb.max(1)
        np.testing.assert_array_equal(indices.numpy(), np.argmax(rows, 1))
        assert xb.transpose(0, 1).shape == (3, 4) and xb.repeat(2, 1).shape == (8, 3)

    class Samples(tg.utils.data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return tg.tensor(X[i]), i % 2
    xb, yb = next(iter(tg.utils.data.DataLoader(Samples(), batch_size=4)))
    np.testing.assert_allclose(float(xb.var()), np.var(X, ddof=1), rtol=1e-14)
    assert tg.is_tensor(yb) and yb.tolist() == [0, 1, 0, 1]
    model = tg.nn.Linear(3, 2)  # (first used on a batch: its parameters require grad)
    tg.sum(model(xb) ** 2).backward()
    assert all(p.grad is not None for p in model.parameters())
