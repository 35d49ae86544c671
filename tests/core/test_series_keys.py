"""Series keys: what the sampler builds, the charts can take apart."""

from __future__ import annotations

from procdeck.core import series_keys as keys


def test_keys_are_built_and_parsed_by_the_same_rules() -> None:
    run = keys.run_group(3)
    assert keys.tree_key(run, keys.TreePart.TREE, keys.Metric.RSS) == "run/3/tree/rss"
    assert keys.pin_group(42, 1700000000.25) == "pid/42@1700000000.25"
    worker = keys.worker_group("w1")
    assert keys.metric_key(worker, keys.Metric.CPU) == "worker/w1/cpu"
    assert keys.metric_of(keys.metric_key(worker, keys.Metric.CPU)) is keys.Metric.CPU
    assert keys.metric_of(keys.tree_key(run, keys.TreePart.PARENT, keys.Metric.RSS)) is keys.Metric.RSS
    assert keys.metric_of(keys.SYS_MEM) is None
    assert keys.core_index(keys.core_key(11)) == 11
    assert keys.core_index(keys.SYS_CPU) is None and keys.core_index("sys/core/x") is None
    assert keys.SYS_CPU.startswith(keys.SYSTEM_PREFIX) and keys.POOL_CPU.startswith(keys.POOL_PREFIX)
