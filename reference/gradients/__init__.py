"""Vector-Jacobian products of the spec's features (issue 16), one module per feature family.

A VJP is what a framework's backward pass must give: for a feature ``f`` and a cotangent ``g`` of
its output's shape, ``vjp(x, g) = d sum(g * f(x)) / dx``, in float64. Where ``f`` is not
differentiable (a kink: relu at its threshold, hard_sigmoid's corners) the derivative is
implementation-defined; each family's ``kinks`` marks those inputs, and its docstrings state the
conventions frameworks use there. tests/test_reference_gradients.py validates every VJP against
float64 central differences of the reference's own forward pass, at points away from the kinks.
"""
