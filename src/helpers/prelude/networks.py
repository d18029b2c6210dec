# networks.py: compositions of layer helpers.


def dropout_layer(input, dropout_rate, name=None):
    if name is None:
        name = __unique_name__("dropout")
    return addto_layer(name=name, input=input, act=LinearActivation(), bias_attr=False,
                       layer_attr=ExtraAttr(drop_rate=dropout_rate))
