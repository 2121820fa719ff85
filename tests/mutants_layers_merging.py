"""Mutants of the merge layers (conformance/test_layers_merging.py): each a reference merge layer with
one semantic broken the way a port could get it wrong."""

from __future__ import annotations

import numpy as np

from reference.errors import SpecError
from reference.layers import merging as M
from tests.mutants import target


class _ConcatenateAxisOffByOne(M.Concatenate):
    """A non-negative axis counted over the non-batch dims (axis k concatenates along k + 1); where
    that axis does not exist or the shapes do not fit, the port rejects the inputs."""

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        xs = [np.asarray(v, np.float64) for v in x]
        self.compute_output_shape([v.shape for v in xs])
        axis = self.axis + 1 if self.axis >= 0 else self.axis
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError as e:  # numpy's AxisError is a ValueError too
            raise SpecError("inputs", f"cannot concatenate: {e}") from None


class _DotIgnoresNormalize(M.Dot):
    def __call__(self, x, **kwargs):
        normalize, self.normalize = self.normalize, False
        try:
            return super().__call__(x, **kwargs)
        finally:
            self.normalize = normalize


class _DotAxesSwapped(M.Dot):
    """A pair (a0, a1) applied as (a1, a0)."""

    def _resolve(self, shape1, shape2):
        if isinstance(self.axes, int):
            return super()._resolve(shape1, shape2)
        a1, a0 = self.axes
        for a, s in ((a0, shape1), (a1, shape2)):
            if not -len(s) <= a < len(s):
                raise SpecError("axes", f"axis {a} is out of range")
        return [a0 % len(shape1), a1 % len(shape2)]


class _SubtractReversed(M.Subtract):
    def _merge(self, xs, masks):
        return xs[1] - xs[0]


class _AverageIsSum(M.Average):
    def _merge(self, xs, masks):
        return M.Add._merge(self, xs, masks)


class _MaximumNanIgnored(M.Maximum):
    """np.fmax: a NaN loses to a number (TensorFlow's and NumPy's maximum propagate it)."""

    def _merge(self, xs, masks):
        return self._masked_fold(np.fmax, xs, masks)


class _AddRightAligned(M.Add):
    """Plain NumPy broadcasting of a lower-rank input (right-aligned, batch included) instead of
    Keras' expansion at axis 1; where that does not broadcast, the port rejects the inputs."""

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        xs = [np.asarray(v, np.float64) for v in x]
        self.compute_output_shape([v.shape for v in xs])
        try:
            out = xs[0]
            for v in xs[1:]:
                out = out + v
            return out
        except ValueError as e:
            raise SpecError("inputs", f"cannot broadcast: {e}") from None


class _MasksAnded(M.Maximum):
    """The output mask is the AND of the masks (Keras 2's) instead of the OR."""

    def compute_mask(self, x, mask=None):
        if mask is None or any(m is None for m in mask):
            return None
        return np.logical_and.reduce(np.broadcast_arrays(*[np.asarray(m, bool) for m in mask]))


class _MultiplyIgnoresMasks(M.Multiply):
    def _merge(self, xs, masks):
        return super()._merge(xs, [None] * len(xs))


class _ConcatenateMaskAll(M.Concatenate):
    """The concatenated mask reduced with all(axis=-1) (tf-keras') instead of any."""

    def compute_mask(self, x, mask=None):
        out = super().compute_mask(x, mask)
        if out is None:
            return None
        self.edition, edition = "keras2", self.edition
        try:
            return super().compute_mask(x, mask)
        finally:
            self.edition = edition


class _DotRank2Shape(M.Dot):
    """Rank-2 inputs give (b,) instead of (b, 1)."""

    def compute_output_shape(self, input_shape):
        out = super().compute_output_shape(input_shape)
        return out[:1] if len(input_shape[0]) == 2 and len(input_shape[1]) == 2 else out


class _AddNoneTakesKnown(M.Add):
    """None against a known size gives the known size (Keras: None)."""

    @staticmethod
    def _elemwise_shape(shape1, shape2):
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        out = list(shape1[: len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(j if i is None else i)
            elif i == 1 or j == 1:
                out.append(j if i == 1 else i)
            else:
                if i != j:
                    raise SpecError("inputs", "Inputs have incompatible shapes")
                out.append(i)
        return tuple(out)


class _SubtractAcceptsThree(M.Subtract):
    def _check_count(self, n):
        M._Merge._check_count(self, n)

    def _merge(self, xs, masks):
        out = xs[0]
        for v in xs[1:]:
            out = out - v
        return out


class _ConcatenateBroadcasts(M.Concatenate):
    """Size-1 non-axis dims broadcast (Keras rejects them)."""

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        k = self.axis % len(shapes[0]) if shapes and shapes[0] else 0
        if len({len(s) for s in shapes}) == 1 and -len(shapes[0]) <= self.axis < len(shapes[0]):
            big = [max((d for d in dims if d is not None), default=None) for dims in zip(*shapes)]
            shapes = [tuple(b if (i != k and d == 1) else d for i, (d, b) in enumerate(zip(s, big))) for s in shapes]
        return super().compute_output_shape(shapes)

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        xs = [np.asarray(v, np.float64) for v in x]
        out_shape = self.compute_output_shape([v.shape for v in xs])
        k = self.axis % len(out_shape)
        xs = [np.broadcast_to(v, tuple(v.shape[i] if i == k else out_shape[i] for i in range(v.ndim))) for v in xs]
        return np.concatenate(xs, axis=k)


class _DotThreeInputs(M.Dot):
    """Extra inputs silently ignored."""

    def compute_output_shape(self, input_shape):
        return super().compute_output_shape(list(input_shape)[:2])

    def __call__(self, x, **kwargs):
        return super().__call__(list(x)[:2], **kwargs)


class _ConcatenateConfigNoAxis(M.Concatenate):
    def get_config(self):
        return {}


class _DotConfigNoNormalize(M.Dot):
    def get_config(self):
        return {"axes": self.axes}


MUTANTS = {
    "merge_concatenate_axis_off_by_one": target("values", "layers.Concatenate", _ConcatenateAxisOffByOne),
    "merge_dot_ignores_normalize": target("values", "layers.Dot", _DotIgnoresNormalize),
    "merge_dot_axes_swapped": target("values", "layers.Dot", _DotAxesSwapped),
    "merge_subtract_reversed": target("values", "layers.Subtract", _SubtractReversed),
    "merge_average_is_sum": target("values", "layers.Average", _AverageIsSum),
    "merge_maximum_nan_ignored": target("values", "layers.Maximum", _MaximumNanIgnored),
    "merge_add_right_aligned": target("values", "layers.Add", _AddRightAligned),
    "merge_masks_anded": target("masks", "layers.Maximum", _MasksAnded),
    "merge_multiply_ignores_masks": target("masks", "layers.Multiply", _MultiplyIgnoresMasks),
    "merge_concatenate_mask_all": target("masks", "layers.Concatenate", _ConcatenateMaskAll),
    "merge_dot_rank2_shape": target("shapes", "layers.Dot", _DotRank2Shape),
    "merge_add_none_takes_known": target("shapes", "layers.Add", _AddNoneTakesKnown),
    "merge_subtract_accepts_three": target("rejects", "layers.Subtract", _SubtractAcceptsThree),
    "merge_concatenate_broadcasts": target("rejects", "layers.Concatenate", _ConcatenateBroadcasts),
    "merge_dot_three_inputs": target("rejects", "layers.Dot", _DotThreeInputs),
    "merge_concatenate_config_no_axis": target("roundtrip", "layers.Concatenate", _ConcatenateConfigNoAxis),
    "merge_dot_config_no_normalize": target("roundtrip", "layers.Dot", _DotConfigNoNormalize),
}
