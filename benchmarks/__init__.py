"""The triggerer benchmark (``make bench``): our triggers, Airflow's HTTP sensor trigger and a
bare asyncio floor, each polling the emulator from one event loop. See BENCHMARKS.md."""
