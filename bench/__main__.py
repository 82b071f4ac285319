"""`python -m bench`: every benchmark in turn (engine, graph, GUI where present)."""
import importlib
import sys

for name in ("bench.bench_engine", "bench.bench_graph", "bench.bench_gui"):
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as e:
        print(f"{name}: not available ({e})")
        continue
    print(f"== {name}")
    mod.main([])
sys.exit(0)
