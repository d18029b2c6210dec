# layer_math: arithmetic on layers (`a + b`, `2 * a`, `1 - a`), built from ordinary layers as
# Paddle's layer_math did. The element-wise functions (layer_math.exp, ...) are natives.


def __layer_math_is_number__(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def __layer_math_add__(layer, other):
    if __layer_math_is_number__(other):
        return slope_intercept_layer(input=layer, intercept=other)
    if not isinstance(other, LayerOutput):
        raise TypeError("LayerOutput can only be added with another LayerOutput or a number")
    if layer.size == other.size:
        return mixed_layer(input=[identity_projection(input=layer),
                                  identity_projection(input=other)])
    if other.size != 1 and layer.size != 1:
        raise ValueError("Two LayerOutput can be added only if they have equal size or one of "
                         "their sizes is 1. sizes are %s and %s" % (layer.size, other.size))
    if layer.size == 1:
        layer, other = other, layer
    other = repeat_layer(other, layer.size)
    return mixed_layer(input=[identity_projection(input=layer),
                              identity_projection(input=other)])


def __layer_math_sub__(layer, other):
    if __layer_math_is_number__(other):
        return slope_intercept_layer(input=layer, intercept=-other)
    if not isinstance(other, LayerOutput):
        raise TypeError("LayerOutput can only be subtracted with another LayerOutput or a number")
    neg = slope_intercept_layer(input=other, slope=-1.0)
    return __layer_math_add__(layer, neg)


def __layer_math_rsub__(layer, other):
    neg = slope_intercept_layer(input=layer, slope=-1.0)
    return __layer_math_add__(neg, other)


def __layer_math_mul__(layer, other):
    if __layer_math_is_number__(other):
        return slope_intercept_layer(input=layer, slope=other)
    if not isinstance(other, LayerOutput):
        raise TypeError("LayerOutput can only be multiplied with another LayerOutput or a number")
    if layer.size == 1:
        return scaling_layer(input=other, weight=layer)
    if other.size == 1:
        return scaling_layer(input=layer, weight=other)
    raise ValueError("At least one of the operand of '*' must be a number or a LayerOutput "
                     "with size=1")
