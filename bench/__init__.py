"""The benchmark (issue 11): data generator, the B0 and B1 reference apps, the runner.

Nothing in the application imports this package; it imports the application (models, settings)
to stay in step with it. See docs/benchmarks.md.
"""
