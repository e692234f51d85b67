import multiprocessing as mp

from linc.cache import Cache, digest


def _writer(directory: str, start: int) -> None:
    cache = Cache("t", directory=directory)
    for i in range(start, start + 200):
        cache.put(digest(i), {"i": i})


def test_roundtrip_and_digest_stability(tmp_path):
    cache = Cache("t", directory=tmp_path)
    assert cache.get("k") is None
    cache.put("k", {"a": [1, 2]})
    assert cache.get("k") == {"a": [1, 2]}
    assert digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1})
    assert Cache("t", directory=tmp_path).get("k") == {"a": [1, 2]}


def test_concurrent_writers(tmp_path):
    procs = [mp.Process(target=_writer, args=(str(tmp_path), s)) for s in (0, 100, 200)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(Cache("t", directory=tmp_path)) == 400


def test_get_many_finds_the_stored_keys_among_many(tmp_path):
    cache = Cache("t", directory=tmp_path)
    stored = {f"k{i}": {"n": i} for i in range(0, 1200, 3)}
    cache.put_many(stored)
    asked = [f"k{i}" for i in range(1200)]  # more keys than one query takes
    assert cache.get_many(asked) == stored
    assert cache.get_many([]) == {}
    assert cache.get_many(["absent"]) == {}
