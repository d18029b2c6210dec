# networks.py: the compositions of layer helpers Paddle shipped with the helpers.


def __name_or__(name, prefix):
    if name is None:
        return __unique_name__(prefix)
    return name


def __per_conv__(value, n):
    if isinstance(value, (list, tuple)):
        return value
    return [value] * n


def layer_support(*attrs):
    # Paddle's decorator checked which ExtraAttr fields a layer accepts; the helpers here
    # check that themselves, so user code decorated with it keeps working unchanged.
    def decorator(method):
        return method
    return decorator


def dropout_layer(input, dropout_rate, name=None):
    name = __name_or__(name, "dropout")
    return addto_layer(name=name, input=input, act=LinearActivation(), bias_attr=False,
                       layer_attr=ExtraAttr(drop_rate=dropout_rate))


def sequence_conv_pool(input, context_len, hidden_size, name=None, context_start=None,
                       pool_type=None, context_proj_layer_name=None,
                       context_proj_param_attr=False, fc_layer_name=None, fc_param_attr=None,
                       fc_bias_attr=None, fc_act=None, pool_bias_attr=None, fc_attr=None,
                       context_attr=None, pool_attr=None):
    name = __name_or__(name, "sequence_conv_pooling")
    if context_proj_layer_name is None:
        context_proj_layer_name = "%s_conv_proj" % name
    with mixed_layer(name=context_proj_layer_name, size=input.size * context_len,
                     act=LinearActivation(), layer_attr=context_attr) as m:
        m += context_projection(input, context_len=context_len, context_start=context_start,
                                padding_attr=context_proj_param_attr)
    if fc_layer_name is None:
        fc_layer_name = "%s_conv_fc" % name
    fl = fc_layer(name=fc_layer_name, input=m, size=hidden_size, act=fc_act,
                  layer_attr=fc_attr, param_attr=fc_param_attr, bias_attr=fc_bias_attr)
    return pooling_layer(name=name, input=fl, pooling_type=pool_type,
                         bias_attr=pool_bias_attr, layer_attr=pool_attr)


text_conv_pool = sequence_conv_pool


def simple_img_conv_pool(input, filter_size, num_filters, pool_size, name=None,
                         pool_type=None, act=None, groups=1, conv_stride=1, conv_padding=0,
                         bias_attr=None, num_channel=None, param_attr=None, shared_bias=True,
                         conv_layer_attr=None, pool_stride=1, pool_padding=0,
                         pool_layer_attr=None):
    name = __name_or__(name, "conv_pool")
    conv = img_conv_layer(name="%s_conv" % name, input=input, filter_size=filter_size,
                          num_filters=num_filters, num_channels=num_channel, act=act,
                          groups=groups, stride=conv_stride, padding=conv_padding,
                          bias_attr=bias_attr, param_attr=param_attr,
                          shared_biases=shared_bias, layer_attr=conv_layer_attr)
    return img_pool_layer(name="%s_pool" % name, input=conv, pool_size=pool_size,
                          pool_type=pool_type, stride=pool_stride, padding=pool_padding,
                          layer_attr=pool_layer_attr)


def img_conv_bn_pool(input, filter_size, num_filters, pool_size, name=None, pool_type=None,
                     act=None, groups=1, conv_stride=1, conv_padding=0, conv_bias_attr=None,
                     num_channel=None, conv_param_attr=None, shared_bias=True,
                     conv_layer_attr=None, bn_param_attr=None, bn_bias_attr=None,
                     bn_layer_attr=None, pool_stride=1, pool_padding=0, pool_layer_attr=None):
    name = __name_or__(name, "conv_bn_pool")
    conv = img_conv_layer(name="%s_conv" % name, input=input, filter_size=filter_size,
                          num_filters=num_filters, num_channels=num_channel,
                          act=LinearActivation(), groups=groups, stride=conv_stride,
                          padding=conv_padding, bias_attr=conv_bias_attr,
                          param_attr=conv_param_attr, shared_biases=shared_bias,
                          layer_attr=conv_layer_attr)
    bn = batch_norm_layer(name="%s_bn" % name, input=conv, act=act, bias_attr=bn_bias_attr,
                          param_attr=bn_param_attr, layer_attr=bn_layer_attr)
    return img_pool_layer(name="%s_pool" % name, input=bn, pool_type=pool_type,
                          pool_size=pool_size, stride=pool_stride, padding=pool_padding,
                          layer_attr=pool_layer_attr)


def img_conv_group(input, conv_num_filter, pool_size, num_channels=None, conv_padding=1,
                   conv_filter_size=3, conv_act=None, conv_with_batchnorm=False,
                   conv_batchnorm_drop_rate=0, pool_stride=1, pool_type=None, param_attr=None):
    if conv_act is None:
        conv_act = ReluActivation()
    if pool_type is None:
        pool_type = MaxPooling()
    if not isinstance(input, LayerOutput):
        raise TypeError("img_conv_group() argument 'input' must be a LayerOutput")
    if not isinstance(conv_num_filter, (list, tuple)):
        raise TypeError("img_conv_group() argument 'conv_num_filter' must be a list of ints")
    n = len(conv_num_filter)
    conv_padding = __per_conv__(conv_padding, n)
    conv_filter_size = __per_conv__(conv_filter_size, n)
    conv_act = __per_conv__(conv_act, n)
    conv_with_batchnorm = __per_conv__(conv_with_batchnorm, n)
    conv_batchnorm_drop_rate = __per_conv__(conv_batchnorm_drop_rate, n)
    tmp = input
    for i in xrange(n):
        if conv_with_batchnorm[i]:
            act = LinearActivation()
        else:
            act = conv_act[i]
        tmp = img_conv_layer(input=tmp, padding=conv_padding[i],
                             filter_size=conv_filter_size[i],
                             num_filters=conv_num_filter[i], num_channels=num_channels,
                             act=act, param_attr=param_attr)
        num_channels = None
        if conv_with_batchnorm[i]:
            dropout = conv_batchnorm_drop_rate[i]
            if dropout == 0 or abs(dropout) < 1e-5:
                tmp = batch_norm_layer(input=tmp, act=conv_act[i])
            else:
                tmp = batch_norm_layer(input=tmp, act=conv_act[i],
                                       layer_attr=ExtraAttr(drop_rate=dropout))
    return img_pool_layer(input=tmp, stride=pool_stride, pool_size=pool_size,
                          pool_type=pool_type)


def img_separable_conv(input, num_channels, num_out_channels, filter_size, stride=1, padding=0,
                       depth_multiplier=1, act=None, bias_attr=None, param_attr=None,
                       shared_bias=True, layer_type='exconv', name=None):
    # A depthwise convolution (one group per input channel) then a 1x1 pointwise one.
    name = __name_or__(name, "separable_conv")
    depthwise = img_conv_layer(name="%s_depthwise_conv" % name, input=input,
                               num_channels=num_channels,
                               num_filters=num_channels * depth_multiplier,
                               groups=num_channels, filter_size=filter_size, stride=stride,
                               padding=padding, act=LinearActivation(), bias_attr=bias_attr,
                               param_attr=param_attr, shared_biases=shared_bias,
                               layer_type=layer_type)
    return img_conv_layer(name="%s_pointwise_conv" % name, input=depthwise,
                          num_channels=num_channels * depth_multiplier,
                          num_filters=num_out_channels, filter_size=1, stride=1, padding=0,
                          act=act, bias_attr=bias_attr, param_attr=param_attr,
                          shared_biases=shared_bias)


def small_vgg(input_image, num_channels, num_classes):
    def __vgg__(ipt, num_filter, times, dropouts, num_channels_=None):
        return img_conv_group(input=ipt, num_channels=num_channels_, pool_size=2,
                              pool_stride=2, conv_num_filter=[num_filter] * times,
                              conv_filter_size=3, conv_act=ReluActivation(),
                              conv_with_batchnorm=True,
                              conv_batchnorm_drop_rate=dropouts, pool_type=MaxPooling())

    tmp = __vgg__(input_image, 64, 2, [0.3, 0], num_channels)
    tmp = __vgg__(tmp, 128, 2, [0.4, 0])
    tmp = __vgg__(tmp, 256, 3, [0.4, 0.4, 0])
    tmp = __vgg__(tmp, 512, 3, [0.4, 0.4, 0])
    tmp = img_pool_layer(input=tmp, stride=2, pool_size=2, pool_type=MaxPooling())
    tmp = dropout_layer(input=tmp, dropout_rate=0.5)
    tmp = fc_layer(input=tmp, size=512, layer_attr=ExtraAttr(drop_rate=0.5),
                   act=LinearActivation())
    tmp = batch_norm_layer(input=tmp, act=ReluActivation())
    return fc_layer(input=tmp, size=num_classes, act=SoftmaxActivation())


def vgg_16_network(input_image, num_channels, num_classes=1000):
    tmp = img_conv_group(input=input_image, num_channels=num_channels, conv_padding=1,
                         conv_num_filter=[64, 64], conv_filter_size=3,
                         conv_act=ReluActivation(), pool_size=2, pool_stride=2,
                         pool_type=MaxPooling())
    for filters in ([128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]):
        tmp = img_conv_group(input=tmp, conv_num_filter=filters, conv_padding=1,
                             conv_filter_size=3, conv_act=ReluActivation(), pool_stride=2,
                             pool_type=MaxPooling(), pool_size=2)
    tmp = fc_layer(input=tmp, size=4096, act=ReluActivation(),
                   layer_attr=ExtraAttr(drop_rate=0.5))
    tmp = fc_layer(input=tmp, size=4096, act=ReluActivation(),
                   layer_attr=ExtraAttr(drop_rate=0.5))
    return fc_layer(input=tmp, size=num_classes, act=SoftmaxActivation())


def simple_lstm(input, size, name=None, reverse=False, mat_param_attr=None,
                bias_param_attr=None, inner_param_attr=None, act=None, gate_act=None,
                state_act=None, mixed_layer_attr=None, lstm_cell_attr=None):
    name = __name_or__(name, "lstm")
    with mixed_layer(name="lstm_transform_%s" % name, size=size * 4,
                     act=IdentityActivation(), layer_attr=mixed_layer_attr,
                     bias_attr=False) as m:
        m += full_matrix_projection(input, param_attr=mat_param_attr)
    return lstmemory(name=name, input=m, reverse=reverse, bias_attr=bias_param_attr,
                     param_attr=inner_param_attr, act=act, gate_act=gate_act,
                     state_act=state_act, layer_attr=lstm_cell_attr)


def lstmemory_unit(input, out_memory=None, name=None, size=None, param_attr=None, act=None,
                   gate_act=None, state_act=None, input_proj_bias_attr=None,
                   input_proj_layer_attr=None, lstm_bias_attr=None, lstm_layer_attr=None):
    name = __name_or__(name, "lstm_unit")
    if size is None:
        size = input.size / 4
    if out_memory is None:
        out_mem = memory(name=name, size=size)
    else:
        out_mem = out_memory
    state_mem = memory(name="%s_state" % name, size=size)
    with mixed_layer(name="%s_input_recurrent" % name, size=size * 4,
                     bias_attr=input_proj_bias_attr, layer_attr=input_proj_layer_attr,
                     act=IdentityActivation()) as m:
        m += identity_projection(input=input)
        m += full_matrix_projection(input=out_mem, param_attr=param_attr)
    lstm_out = lstm_step_layer(name=name, input=m, state=state_mem, size=size,
                               bias_attr=lstm_bias_attr, act=act, gate_act=gate_act,
                               state_act=state_act, layer_attr=lstm_layer_attr)
    get_output_layer(name="%s_state" % name, input=lstm_out, arg_name="state")
    return lstm_out


def lstmemory_group(input, size=None, name=None, out_memory=None, reverse=False,
                    param_attr=None, act=None, gate_act=None, state_act=None,
                    input_proj_bias_attr=None, input_proj_layer_attr=None,
                    lstm_bias_attr=None, lstm_layer_attr=None):
    name = __name_or__(name, "lstm_group")

    def __lstm_step__(ipt):
        return lstmemory_unit(input=ipt, name=name, size=size, act=act, gate_act=gate_act,
                              state_act=state_act, out_memory=out_memory,
                              input_proj_bias_attr=input_proj_bias_attr,
                              input_proj_layer_attr=input_proj_layer_attr,
                              param_attr=param_attr, lstm_layer_attr=lstm_layer_attr,
                              lstm_bias_attr=lstm_bias_attr)

    return recurrent_group(name="%s_recurrent_group" % name, step=__lstm_step__,
                           reverse=reverse, input=input)


def gru_step_naive_layer(input, output_mem, size=None, name=None, act=None, gate_act=None,
                         bias_attr=None, param_attr=None, layer_attr=None):
    name = __name_or__(name, "gru_step_naive")
    if input.size % 3 != 0:
        raise ValueError("GruStep input size must be divided by 3")
    if size is None:
        size = input.size / 3
    if act is None:
        act = TanhActivation()
    if gate_act is None:
        gate_act = SigmoidActivation()

    def __gate__(gate_name, offset):
        with mixed_layer(name=name + "_" + gate_name, size=size, layer_attr=layer_attr,
                         bias_attr=bias_attr, act=gate_act) as gate:
            gate += identity_projection(input=input, offset=offset)
            gate += full_matrix_projection(input=output_mem, param_attr=param_attr)
        return gate

    update_gate = __gate__("update", 0)
    reset_gate = __gate__("reset", size)
    with mixed_layer(name=name + "_reset_output", bias_attr=False) as reset_output:
        reset_output += dotmul_operator(a=output_mem, b=reset_gate)
    with mixed_layer(name=name + "_output_candidate", size=size, layer_attr=layer_attr,
                     bias_attr=bias_attr, act=act) as output_candidate:
        output_candidate += identity_projection(input=input, offset=2 * size)
        output_candidate += full_matrix_projection(input=reset_output, param_attr=param_attr)
    with mixed_layer(name=name) as output:
        output += identity_projection(output_mem)
        output += dotmul_operator(a=output_mem, b=update_gate, scale=-1.0)
        output += dotmul_operator(a=output_candidate, b=update_gate)
    return output


def gru_unit(input, memory_boot=None, size=None, name=None, gru_bias_attr=None,
             gru_param_attr=None, act=None, gate_act=None, gru_layer_attr=None, naive=False):
    name = __name_or__(name, "gru_unit")
    if size is None:
        size = input.size / 3
    out_mem = memory(name=name, size=size, boot_layer=memory_boot)
    if naive:
        step = gru_step_naive_layer
    else:
        step = gru_step_layer
    return step(name=name, input=input, output_mem=out_mem, size=size,
                bias_attr=gru_bias_attr, param_attr=gru_param_attr, act=act,
                gate_act=gate_act, layer_attr=gru_layer_attr)


def gru_group(input, memory_boot=None, size=None, name=None, reverse=False,
              gru_bias_attr=None, gru_param_attr=None, act=None, gate_act=None,
              gru_layer_attr=None, naive=False):
    name = __name_or__(name, "gru_group")

    def __gru_step__(ipt):
        return gru_unit(input=ipt, memory_boot=memory_boot, name=name, size=size,
                        gru_bias_attr=gru_bias_attr,
                        gru_param_attr=gru_param_attr, act=act, gate_act=gate_act,
                        gru_layer_attr=gru_layer_attr, naive=naive)

    return recurrent_group(name="%s_recurrent_group" % name, step=__gru_step__,
                           reverse=reverse, input=input)


def simple_gru(input, size, name=None, reverse=False, mixed_param_attr=None,
               mixed_bias_param_attr=None, mixed_layer_attr=None, gru_bias_attr=None,
               gru_param_attr=None, act=None, gate_act=None, gru_layer_attr=None,
               naive=False):
    name = __name_or__(name, "simple_gru")
    with mixed_layer(name="%s_transform" % name, size=size * 3,
                     bias_attr=mixed_bias_param_attr, layer_attr=mixed_layer_attr) as m:
        m += full_matrix_projection(input=input, param_attr=mixed_param_attr)
    return gru_group(name=name, size=size, input=m, reverse=reverse,
                     gru_bias_attr=gru_bias_attr, gru_param_attr=gru_param_attr, act=act,
                     gate_act=gate_act, gru_layer_attr=gru_layer_attr, naive=naive)


def simple_gru2(input, size, name=None, reverse=False, mixed_param_attr=None,
                mixed_bias_attr=None, gru_param_attr=None, gru_bias_attr=None, act=None,
                gate_act=None, mixed_layer_attr=None, gru_cell_attr=None):
    name = __name_or__(name, "simple_gru2")
    with mixed_layer(name="%s_transform" % name, size=size * 3, bias_attr=mixed_bias_attr,
                     layer_attr=mixed_layer_attr) as m:
        m += full_matrix_projection(input=input, param_attr=mixed_param_attr)
    return grumemory(name=name, size=size, input=m, reverse=reverse, bias_attr=gru_bias_attr,
                     param_attr=gru_param_attr, act=act, gate_act=gate_act,
                     layer_attr=gru_cell_attr)


def __directional_args__(args, prefix):
    out = {}
    for k in args:
        if k.startswith(prefix):
            out[k[len(prefix):]] = args[k]
    return out


def bidirectional_gru(input, size, name=None, return_seq=False, fwd_mixed_param_attr=None,
                      fwd_mixed_bias_attr=None, fwd_gru_param_attr=None,
                      fwd_gru_bias_attr=None, fwd_act=None, fwd_gate_act=None,
                      fwd_mixed_layer_attr=None, fwd_gru_cell_attr=None,
                      bwd_mixed_param_attr=None, bwd_mixed_bias_attr=None,
                      bwd_gru_param_attr=None, bwd_gru_bias_attr=None, bwd_act=None,
                      bwd_gate_act=None, bwd_mixed_layer_attr=None, bwd_gru_cell_attr=None,
                      last_seq_attr=None, first_seq_attr=None, concat_attr=None,
                      concat_act=None):
    name = __name_or__(name, "bidirectional_gru")
    args = {"fwd_mixed_param_attr": fwd_mixed_param_attr,
            "fwd_mixed_bias_attr": fwd_mixed_bias_attr,
            "fwd_gru_param_attr": fwd_gru_param_attr, "fwd_gru_bias_attr": fwd_gru_bias_attr,
            "fwd_act": fwd_act, "fwd_gate_act": fwd_gate_act,
            "fwd_mixed_layer_attr": fwd_mixed_layer_attr,
            "fwd_gru_cell_attr": fwd_gru_cell_attr,
            "bwd_mixed_param_attr": bwd_mixed_param_attr,
            "bwd_mixed_bias_attr": bwd_mixed_bias_attr,
            "bwd_gru_param_attr": bwd_gru_param_attr, "bwd_gru_bias_attr": bwd_gru_bias_attr,
            "bwd_act": bwd_act, "bwd_gate_act": bwd_gate_act,
            "bwd_mixed_layer_attr": bwd_mixed_layer_attr,
            "bwd_gru_cell_attr": bwd_gru_cell_attr}
    fw = simple_gru2(name="%s_fw" % name, input=input, size=size,
                     **__directional_args__(args, "fwd_"))
    bw = simple_gru2(name="%s_bw" % name, input=input, size=size, reverse=True,
                     **__directional_args__(args, "bwd_"))
    if return_seq:
        return concat_layer(name=name, input=[fw, bw], layer_attr=concat_attr, act=concat_act)
    fw_seq = last_seq(name="%s_fw_last" % name, input=fw, layer_attr=last_seq_attr)
    bw_seq = first_seq(name="%s_bw_last" % name, input=bw, layer_attr=first_seq_attr)
    return concat_layer(name=name, input=[fw_seq, bw_seq], layer_attr=concat_attr,
                        act=concat_act)


def bidirectional_lstm(input, size, name=None, return_seq=False, fwd_mat_param_attr=None,
                       fwd_bias_param_attr=None, fwd_inner_param_attr=None, fwd_act=None,
                       fwd_gate_act=None, fwd_state_act=None, fwd_mixed_layer_attr=None,
                       fwd_lstm_cell_attr=None, bwd_mat_param_attr=None,
                       bwd_bias_param_attr=None, bwd_inner_param_attr=None, bwd_act=None,
                       bwd_gate_act=None, bwd_state_act=None, bwd_mixed_layer_attr=None,
                       bwd_lstm_cell_attr=None, last_seq_attr=None, first_seq_attr=None,
                       concat_attr=None, concat_act=None):
    name = __name_or__(name, "bidirectional_lstm")
    args = {"fwd_mat_param_attr": fwd_mat_param_attr,
            "fwd_bias_param_attr": fwd_bias_param_attr,
            "fwd_inner_param_attr": fwd_inner_param_attr, "fwd_act": fwd_act,
            "fwd_gate_act": fwd_gate_act, "fwd_state_act": fwd_state_act,
            "fwd_mixed_layer_attr": fwd_mixed_layer_attr,
            "fwd_lstm_cell_attr": fwd_lstm_cell_attr,
            "bwd_mat_param_attr": bwd_mat_param_attr,
            "bwd_bias_param_attr": bwd_bias_param_attr,
            "bwd_inner_param_attr": bwd_inner_param_attr, "bwd_act": bwd_act,
            "bwd_gate_act": bwd_gate_act, "bwd_state_act": bwd_state_act,
            "bwd_mixed_layer_attr": bwd_mixed_layer_attr,
            "bwd_lstm_cell_attr": bwd_lstm_cell_attr}
    fw = simple_lstm(name="%s_fw" % name, input=input, size=size,
                     **__directional_args__(args, "fwd_"))
    bw = simple_lstm(name="%s_bw" % name, input=input, size=size, reverse=True,
                     **__directional_args__(args, "bwd_"))
    if return_seq:
        return concat_layer(name=name, input=[fw, bw], layer_attr=concat_attr, act=concat_act)
    fw_seq = last_seq(name="%s_fw_last" % name, input=fw, layer_attr=last_seq_attr)
    bw_seq = first_seq(name="%s_bw_last" % name, input=bw, layer_attr=first_seq_attr)
    return concat_layer(name=name, input=[fw_seq, bw_seq], layer_attr=concat_attr,
                        act=concat_act)


def simple_attention(encoded_sequence, encoded_proj, decoder_state,
                     transform_param_attr=None, softmax_param_attr=None, weight_act=None,
                     name=None):
    name = __name_or__(name, "simple_attention")
    if weight_act is None:
        weight_act = TanhActivation()
    if encoded_proj.size != decoder_state.size:
        raise ValueError("simple_attention(): encoded_proj and decoder_state must have the "
                         "same size")
    proj_size = encoded_proj.size
    with mixed_layer(size=proj_size, name="%s_transform" % name) as m:
        m += full_matrix_projection(decoder_state, param_attr=transform_param_attr)
    expanded = expand_layer(input=m, expand_as=encoded_sequence, name="%s_expand" % name)
    with mixed_layer(size=proj_size, act=weight_act, name="%s_combine" % name) as m:
        m += identity_projection(expanded)
        m += identity_projection(encoded_proj)
    attention_weight = fc_layer(input=m, size=1, act=SequenceSoftmaxActivation(),
                                param_attr=softmax_param_attr, name="%s_softmax" % name,
                                bias_attr=False)
    scaled = scaling_layer(weight=attention_weight, input=encoded_sequence,
                           name="%s_scaling" % name)
    return pooling_layer(input=scaled, pooling_type=SumPooling(), name="%s_pooling" % name)


def __attend__(scores, values, softmax_param_attr, name, suffix):
    # Softmax over the sequence of one score per step, then the weighted sum of the values.
    weight = fc_layer(input=scores, size=1, act=SequenceSoftmaxActivation(),
                      param_attr=softmax_param_attr, name="%s_softmax%s" % (name, suffix),
                      bias_attr=False)
    scaled = scaling_layer(weight=weight, input=values, name="%s_scaling%s" % (name, suffix))
    return pooling_layer(input=scaled, pooling_type=SumPooling(),
                         name="%s_pooling%s" % (name, suffix))


def dot_product_attention(encoded_sequence, attended_sequence, transformed_state,
                          softmax_param_attr=None, name=None):
    name = __name_or__(name, "dot_product_attention")
    if transformed_state.size != encoded_sequence.size:
        raise ValueError("dot_product_attention(): transformed_state has size %d but "
                         "encoded_sequence has size %d; they must be equal"
                         % (transformed_state.size, encoded_sequence.size))
    expanded = expand_layer(input=transformed_state, expand_as=encoded_sequence,
                            name="%s_expand" % name)
    scores = dot_prod_layer(input1=expanded, input2=encoded_sequence,
                            name="%s_dot-product" % name)
    return __attend__(scores, attended_sequence, softmax_param_attr, name, "")


def __head_slice__(source, size, i):
    with mixed_layer(size=size) as part:
        part += identity_projection(source, offset=size * i, size=size)
    return part


def multi_head_attention(query, key, value, key_proj_size, value_proj_size, head_num,
                         attention_type, softmax_param_attr=None, name=None):
    name = __name_or__(name, "multi_head_attention")
    if attention_type not in ['dot-product attention', 'additive attention']:
        raise ValueError("multi_head_attention(): attention_type must be 'dot-product "
                         "attention' or 'additive attention', not %r" % (attention_type,))
    with mixed_layer(size=key_proj_size * head_num, name="%s_query_proj" % name) as q:
        q += full_matrix_projection(query)
    q = expand_layer(input=q, expand_as=key)
    with mixed_layer(size=key_proj_size * head_num, name="%s_key_proj" % name) as k:
        k += full_matrix_projection(key)
    with mixed_layer(size=value_proj_size * head_num, name="%s_value_proj" % name) as v:
        v += full_matrix_projection(value)
    heads = []
    for i in range(head_num):
        q_i = __head_slice__(q, key_proj_size, i)
        k_i = __head_slice__(k, key_proj_size, i)
        v_i = __head_slice__(v, value_proj_size, i)
        if attention_type == 'dot-product attention':
            scores = dot_prod_layer(input1=q_i, input2=k_i,
                                    name="%s_dot-product_%d" % (name, i))
            scores = slope_intercept_layer(input=scores,
                                           slope=__math__.sqrt(1.0 / key_proj_size),
                                           name="%s_dot-product_scaling_%d" % (name, i))
        else:
            with mixed_layer(size=key_proj_size, act=TanhActivation(),
                             name="%s_combine_%d" % (name, i)) as scores:
                scores += identity_projection(q_i)
                scores += identity_projection(k_i)
        heads.append(__attend__(scores, v_i, softmax_param_attr, name, "_%d" % i))
    return concat_layer(heads)


def gated_unit_layer(input, size, act=None, name=None, gate_attr=None, gate_param_attr=None,
                     gate_bias_attr=True, inproj_attr=None, inproj_param_attr=None,
                     inproj_bias_attr=True, layer_attr=None):
    name = __name_or__(name, "gated_unit_layer")
    if act is None:
        act = LinearActivation()
    if not isinstance(input, LayerOutput):
        raise TypeError("The gated linear unit accepts only one input.")
    input_proj = fc_layer(input=input, name="%s_input_proj" % name, size=size, act=act,
                          layer_attr=inproj_attr, param_attr=inproj_param_attr,
                          bias_attr=inproj_bias_attr)
    gate = fc_layer(size=size, name="%s_gate" % name, act=SigmoidActivation(), input=input,
                    layer_attr=gate_attr, param_attr=gate_param_attr, bias_attr=gate_bias_attr)
    return mixed_layer(name="%s_gated_act" % name, input=dotmul_operator(input_proj, gate),
                       layer_attr=layer_attr)


# multi_head_attention scales its dot products by 1/sqrt(key_proj_size).
import math as __math__
