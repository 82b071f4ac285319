"""Op families (creation, elementwise, reduction, linalg, shape, indexing, nn).

``engine.functional`` imports every family, which registers its ops in ``registry.REGISTRY``.
"""
