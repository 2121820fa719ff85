"""Keras' dtype policies: which dtype a layer's variables, computation, outputs and losses have.

A policy is what a layer's ``dtype`` argument (or ``keras.config.set_dtype_policy``, Keras 2's
``tf.keras.mixed_precision.set_global_policy``) names. Source: keras/src/dtype_policies/
dtype_policy.py (``DTypePolicy``), keras/src/layers/layer.py (``Layer.__call__``'s autocasting),
and tf_keras/mixed_precision/policy.py for Keras 2; both editions agree on everything below.
"""

from __future__ import annotations

from reference.errors import SpecError

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


class DTypePolicy:
    """``DTypePolicy(name)``: a plain dtype (``"float32"``, ``"float16"``, ...) or a mixed policy.

    - ``variable_dtype``: the dtype every weight is created and stored in: the plain dtype, or
      float32 under ``mixed_float16`` / ``mixed_bfloat16``. Initializers draw in it.
    - ``compute_dtype``: the dtype the layer computes in: the plain dtype, or float16 / bfloat16.
      ``Layer.__call__`` casts floating inputs to it (``autocast``), and reading a float32 variable
      inside ``call`` gives it cast to the compute dtype, so the computation runs on the
      compute-dtype roundings of inputs and weights.
    - Outputs: in the compute dtype, for every layer this suite covers. Embedding (``autocast=False``)
      gathers its float32 table and casts the rows to the compute dtype: the same values.
      The exceptions Keras documents are layers outside this suite: the normalization layers
      compute their statistics in float32 (``autocast=False``), and a model's last layer should be
      given ``dtype="float32"`` by the user (the mixed-precision guide), which Keras does not do itself.
    - Losses: weight penalties (``kernel_regularizer``...) are computed on the float32 variables,
      outside the autocast scope, so in float32; activity penalties on the compute-dtype outputs.
    - Non-floating inputs (Embedding's indices, masks) are not cast.

    Errors: an unknown name is ``ValueError`` in Keras; here a SpecError.
    """

    def __init__(self, name: str = "float32"):
        if name not in POLICIES and not name.startswith(("float", "bfloat")):
            raise SpecError("dtype", f"Cannot convert '{name}' to a mixed precision DTypePolicy")
        self.name = name
        mixed = name.startswith("mixed_")
        self.compute_dtype = name.removeprefix("mixed_") if mixed else name
        self.variable_dtype = "float32" if mixed else name

    @property
    def mixed(self) -> bool:
        return self.compute_dtype != self.variable_dtype


def variable_dtype(policy: str, dtype: str) -> str:
    """The dtype of the weights of a layer built for a case of ``dtype`` under ``policy``: the case's
    dtype under ``float32`` (the suite builds the layer with ``dtype=<the case's dtype>``), the
    policy's variable dtype (float32) under a mixed one."""
    return DTypePolicy(dtype if policy == "float32" else policy).variable_dtype


def compute_dtype(policy: str, dtype: str) -> str:
    """The dtype a layer built for a case of ``dtype`` under ``policy`` computes and returns its outputs
    in: the case's dtype under ``float32``, the policy's compute dtype under a mixed one."""
    return DTypePolicy(dtype if policy == "float32" else policy).compute_dtype
