//! Image geometry as config_parser computes it: input image sizes from a layer's size and
//! shape, conv/pool output sizes, and the conv, pool, norm and batch-norm layers.

use crate::builder::{check, Builder, InputSpec, LayerExtra, ParamAttrs, Result};
use crate::*;

/// `cnn_output_size`: caffe mode floors, otherwise ceils.
pub fn cnn_output_size(
    img_size: u32,
    filter_size: u32,
    padding: u32,
    stride: u32,
    caffe_mode: bool,
) -> Result<u32> {
    check(stride > 0, || "stride must be positive".into())?;
    let span = 2.0 * padding as f64 + img_size as f64 - filter_size as f64;
    let output = span / stride as f64;
    let out = if caffe_mode {
        output.floor()
    } else {
        output.ceil()
    };
    let out = 1.0 + out;
    check(out >= 1.0, || {
        format!(
            "the filter ({filter_size}) is larger than the padded image ({img_size} + 2 * {padding})"
        )
    })?;
    Ok(out as u32)
}

/// `cnn_image_size`: the inverse of [`cnn_output_size`], for transposed convolution.
pub fn cnn_image_size(
    output_size: u32,
    filter_size: u32,
    padding: u32,
    stride: u32,
    caffe_mode: bool,
) -> u32 {
    let img = (output_size as i64 - 1) * stride as i64 + filter_size as i64 - 2 * padding as i64;
    (if caffe_mode { img } else { img + 1 }).max(0) as u32
}

/// `get_img_size`: (width, height) of the image a layer holds, `channels` deep. A layer
/// without a recorded shape is taken to be square.
pub fn img_size(b: &Builder, layer_name: &str, channels: u32) -> Result<(u32, u32)> {
    check(channels > 0, || {
        format!("Input layer {layer_name}: channels must be positive")
    })?;
    let input = b.layer(layer_name)?;
    let pixels = input.size() / channels as u64;
    let width = input.width.unwrap_or(0);
    let height = input.height.unwrap_or(0);
    let x = if width > 0 {
        width
    } else {
        (pixels as f64).sqrt() as u64
    };
    let y = if height > 0 {
        height
    } else {
        pixels.checked_div(x).unwrap_or(0)
    };
    check(
        x * y == pixels && input.size() % channels as u64 == 0,
        || {
            format!(
            "Input layer {layer_name}: Incorrect input image size {x} * {y} for input image pixels {pixels} \
             (layer size {} with {channels} channels)",
            input.size()
        )
        },
    )?;
    Ok((x as u32, y as u32))
}

/// `get_img3d_size`: (width, height, depth).
pub fn img3d_size(b: &Builder, layer_name: &str, channels: u32) -> Result<(u32, u32, u32)> {
    let input = b.layer(layer_name)?;
    let pixels = input.size() / channels.max(1) as u64;
    let x = input.width.unwrap_or(0);
    let y = input.height.unwrap_or(0);
    let z = input.depth.unwrap_or(1);
    check(x * y * z == pixels, || {
        format!(
            "Input layer {layer_name}: Incorrect input image size {x} * {y} * {z} for input image pixels {pixels}"
        )
    })?;
    Ok((x as u32, y as u32, z as u32))
}

/// The convolution of one input (config_parser's `Conv`), y/z values already defaulted.
#[derive(Clone, Debug, Default)]
pub struct ConvSpec {
    pub filter_size: u32,
    pub filter_size_y: u32,
    pub filter_size_z: u32,
    pub channels: u32,
    pub padding: u32,
    pub padding_y: u32,
    pub padding_z: u32,
    pub stride: u32,
    pub stride_y: u32,
    pub stride_z: u32,
    pub groups: u32,
    pub caffe_mode: bool,
    /// Unset for convolutions made without Paddle's `dilation` argument (operators, projections).
    pub dilation: Option<u32>,
    pub dilation_y: Option<u32>,
}

/// `parse_conv`: the ConvConfig of a 2-D (transposed) convolution over `input_layer`.
pub fn parse_conv(
    b: &Builder,
    conv: &ConvSpec,
    input_layer: &str,
    num_filters: u32,
    trans: bool,
) -> Result<ConvConfig> {
    parse_conv_nd(b, conv, input_layer, num_filters, trans, false)
}

/// `parse_conv3d`.
pub fn parse_conv3d(
    b: &Builder,
    conv: &ConvSpec,
    input_layer: &str,
    num_filters: u32,
    trans: bool,
) -> Result<ConvConfig> {
    parse_conv_nd(b, conv, input_layer, num_filters, trans, true)
}

/// config_parser's `parse_conv` and `parse_conv3d`, which differ only in the z axis and in
/// dilation (2-D only).
fn parse_conv_nd(
    b: &Builder,
    conv: &ConvSpec,
    input_layer: &str,
    num_filters: u32,
    trans: bool,
    is3d: bool,
) -> Result<ConvConfig> {
    check(conv.groups > 0, || "groups must be positive".into())?;
    let mut c = ConvConfig {
        filter_size: conv.filter_size,
        filter_size_y: conv.filter_size_y,
        channels: conv.channels,
        padding: conv.padding,
        padding_y: conv.padding_y,
        stride: conv.stride,
        stride_y: conv.stride_y,
        groups: conv.groups,
        caffe_mode: conv.caffe_mode,
        ..Default::default()
    };
    let (x, y, z) = if is3d {
        c.filter_size_z = Some(conv.filter_size_z);
        c.padding_z = Some(conv.padding_z);
        c.stride_z = Some(conv.stride_z);
        img3d_size(b, input_layer, conv.channels)?
    } else {
        c.dilation = conv.dilation;
        c.dilation_y = conv.dilation_y;
        let (x, y) = img_size(b, input_layer, conv.channels)?;
        (x, y, 1)
    };
    // A dilated filter covers (size - 1) * dilation + 1 pixels.
    let covered = |f: u32, d: Option<u32>| {
        if is3d {
            f
        } else {
            (f.max(1) - 1) * d.unwrap_or(1) + 1
        }
    };
    let axes = [
        (
            x,
            covered(conv.filter_size, conv.dilation),
            conv.padding,
            conv.stride,
        ),
        (
            y,
            covered(conv.filter_size_y, conv.dilation_y),
            conv.padding_y,
            conv.stride_y,
        ),
        (z, conv.filter_size_z, conv.padding_z, conv.stride_z),
    ];
    // A transposed convolution's input is the output of the convolution it undoes.
    let (mut image, mut output) = ([0; 3], [0; 3]);
    for (i, &(size, f, p, s)) in axes.iter().take(if is3d { 3 } else { 2 }).enumerate() {
        if trans {
            output[i] = size;
            image[i] = cnn_image_size(size, f, p, s, c.caffe_mode);
        } else {
            image[i] = size;
            output[i] = cnn_output_size(size, f, p, s, c.caffe_mode)?;
        }
    }
    c.filter_channels = if trans { num_filters } else { conv.channels } / conv.groups;
    c.img_size = image[0];
    c.img_size_y = Some(image[1]);
    c.output_x = output[0];
    c.output_y = Some(output[1]);
    if is3d {
        c.img_size_z = Some(image[2]);
        c.output_z = Some(output[2]);
    }
    Ok(c)
}

/// A convolution layer (`exconv`/`exconvt`/`conv3d`/`deconv3d`) over one or more inputs.
#[derive(Clone, Debug)]
pub struct ConvLayer {
    pub name: String,
    pub layer_type: String,
    pub inputs: Vec<(InputSpec, ConvSpec)>,
    pub num_filters: u32,
    pub bias: Option<ParamAttrs>,
    pub shared_biases: bool,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn conv_layer(b: &mut Builder, l: ConvLayer) -> Result<usize> {
    let trans = matches!(
        l.layer_type.as_str(),
        "exconvt" | "cudnn_convt" | "deconv3d"
    );
    let is3d = matches!(l.layer_type.as_str(), "conv3d" | "deconv3d");
    let specs: Vec<InputSpec> = l.inputs.iter().map(|(i, _)| i.clone()).collect();
    let added = b.add_layer(&l.name, &l.layer_type, 0, specs, &l.active_type, &l.extra)?;
    let idx = added.index;
    b.layer_at_mut(idx).num_filters = Some(l.num_filters);
    b.layer_at_mut(idx).shared_biases = Some(l.shared_biases);
    for (i, (_, conv)) in l.inputs.iter().enumerate() {
        let input_name = b.layer_at(idx).inputs[i].input_layer_name.clone();
        let conf = if is3d {
            parse_conv3d(b, conv, &input_name, l.num_filters, trans)?
        } else {
            parse_conv(b, conv, &input_name, l.num_filters, trans)?
        };
        let filter_area = conf.filter_size as u64
            * conf.filter_size_y as u64
            * conf.filter_size_z.unwrap_or(1) as u64;
        let psize = if trans && !is3d {
            conf.channels as u64 * conf.filter_channels as u64 * filter_area
        } else {
            l.num_filters as u64 * conf.filter_channels as u64 * filter_area
        };
        b.layer_at_mut(idx).inputs[i].conv_conf = Some(conf.clone());
        b.create_input_parameter(&added, i, psize, vec![])?;
        let nf = l.num_filters as u64;
        // A transposed convolution's output is its input image; a plain one's, the conv output.
        let (z, y, x) = if trans {
            (conf.img_size_z, conf.img_size_y, conf.img_size)
        } else {
            (conf.output_z, conf.output_y, conf.output_x)
        };
        let (z, y, x) = (z.unwrap_or(1) as u64, y.unwrap_or(0) as u64, x as u64);
        if is3d {
            b.set_cnn_layer_3d(idx, z, y, x, nf)?
        } else {
            b.set_cnn_layer(idx, y, x, nf)?
        }
    }
    let psize = if l.shared_biases {
        l.num_filters as u64
    } else {
        b.layer_at(idx).size()
    };
    b.create_bias_parameter(idx, l.bias.as_ref(), psize, Some(vec![psize, 1]), true)?;
    Ok(idx)
}

/// config_parser's `Pool`, y/z values already defaulted where Paddle defaults them.
#[derive(Clone, Debug, Default)]
pub struct PoolSpec {
    pub pool_type: String,
    pub channels: u32,
    pub size_x: u32,
    pub size_y: Option<u32>,
    pub size_z: Option<u32>,
    pub stride: u32,
    pub stride_y: Option<u32>,
    pub stride_z: Option<u32>,
    pub padding: Option<u32>,
    pub padding_y: Option<u32>,
    pub padding_z: Option<u32>,
    pub exclude_mode: Option<bool>,
}

/// `parse_pool`.
pub fn parse_pool(
    b: &Builder,
    pool: &PoolSpec,
    input_layer: &str,
    ceil_mode: bool,
) -> Result<PoolConfig> {
    const TYPES: [&str; 5] = [
        "max-projection",
        "avg-projection",
        "max-pool-with-mask",
        "cudnn-max-pool",
        "cudnn-avg-pool",
    ];
    check(
        TYPES.contains(&pool.pool_type.as_str()) || pool.pool_type == "cudnn-avg-incl-pad-pool",
        || {
            format!(
            "pool-type {} is not in ['max-projection', 'avg-projection', 'max-pool-with-mask', 'cudnn-max-pool', 'cudnn-avg-pool']",
            pool.pool_type
        )
        },
    )?;
    let mut c = PoolConfig {
        pool_type: pool.pool_type.clone(),
        channels: pool.channels,
        size_x: pool.size_x,
        stride: pool.stride,
        ..Default::default()
    };
    c.size_y = Some(pool.size_y.unwrap_or(c.size_x));
    c.stride_y = Some(pool.stride_y.unwrap_or(c.stride));
    let (x, y) = img_size(b, input_layer, pool.channels)?;
    c.img_size = x;
    c.img_size_y = Some(y);
    c.padding = pool.padding;
    c.padding_y = Some(pool.padding_y.unwrap_or(c.padding.unwrap_or(0)));
    c.output_x = cnn_output_size(x, c.size_x, c.padding.unwrap_or(0), c.stride, !ceil_mode)?;
    c.output_y = Some(cnn_output_size(
        y,
        c.size_y.unwrap_or(0),
        c.padding_y.unwrap_or(0),
        c.stride_y.unwrap_or(1),
        !ceil_mode,
    )?);
    c.exclude_mode = pool.exclude_mode;
    Ok(c)
}

/// `parse_pool3d`.
pub fn parse_pool3d(
    b: &Builder,
    pool: &PoolSpec,
    input_layer: &str,
    ceil_mode: bool,
) -> Result<PoolConfig> {
    check(
        ["max-projection", "avg-projection"].contains(&pool.pool_type.as_str()),
        || {
            format!(
                "pool-type {} is not in ['max-projection', 'avg-projection']",
                pool.pool_type
            )
        },
    )?;
    let padding = pool.padding.unwrap_or(0);
    let mut c = PoolConfig {
        pool_type: pool.pool_type.clone(),
        channels: pool.channels,
        size_x: pool.size_x,
        stride: pool.stride,
        padding: Some(padding),
        ..Default::default()
    };
    c.size_y = Some(pool.size_y.unwrap_or(c.size_x));
    c.size_z = Some(pool.size_z.unwrap_or(c.size_x));
    c.stride_y = Some(pool.stride_y.unwrap_or(c.stride));
    c.stride_z = Some(pool.stride_z.unwrap_or(c.stride));
    c.padding_y = Some(pool.padding_y.unwrap_or(padding));
    c.padding_z = Some(pool.padding_z.unwrap_or(padding));
    let (x, y, z) = img3d_size(b, input_layer, pool.channels)?;
    c.img_size = x;
    c.img_size_y = Some(y);
    c.img_size_z = Some(z);
    c.output_x = cnn_output_size(x, c.size_x, padding, c.stride, !ceil_mode)?;
    c.output_y = Some(cnn_output_size(
        y,
        c.size_y.unwrap_or(0),
        c.padding_y.unwrap_or(0),
        c.stride_y.unwrap_or(1),
        !ceil_mode,
    )?);
    c.output_z = Some(cnn_output_size(
        z,
        c.size_z.unwrap_or(0),
        c.padding_z.unwrap_or(0),
        c.stride_z.unwrap_or(1),
        !ceil_mode,
    )?);
    Ok(c)
}

pub struct PoolLayer {
    pub name: String,
    pub layer_type: String,
    pub input: InputSpec,
    pub pool: PoolSpec,
    pub ceil_mode: bool,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn pool_layer(b: &mut Builder, l: PoolLayer) -> Result<usize> {
    let is3d = l.layer_type == "pool3d";
    let added = b.add_layer(
        &l.name,
        &l.layer_type,
        0,
        vec![l.input],
        &l.active_type,
        &l.extra,
    )?;
    let idx = added.index;
    let input_name = b.layer_at(idx).inputs[0].input_layer_name.clone();
    if is3d {
        let c = parse_pool3d(b, &l.pool, &input_name, l.ceil_mode)?;
        let (z, y, x, ch) = (
            c.output_z.unwrap_or(1),
            c.output_y.unwrap_or(0),
            c.output_x,
            c.channels,
        );
        b.layer_at_mut(idx).inputs[0].pool_conf = Some(c);
        b.set_cnn_layer_3d(idx, z as u64, y as u64, x as u64, ch as u64)?;
    } else {
        let c = parse_pool(b, &l.pool, &input_name, l.ceil_mode)?;
        let (y, x, ch) = (c.output_y.unwrap_or(0), c.output_x, c.channels);
        b.layer_at_mut(idx).inputs[0].pool_conf = Some(c);
        b.set_cnn_layer(idx, y as u64, x as u64, ch as u64)?;
    }
    Ok(idx)
}

/// config_parser's `Norm`.
#[derive(Clone, Debug)]
pub struct NormSpec {
    pub norm_type: String,
    pub channels: u32,
    pub size: u32,
    pub scale: f64,
    pub pow: Real,
    pub blocked: bool,
}

pub fn norm_layer(
    b: &mut Builder,
    name: &str,
    input: InputSpec,
    norm: &NormSpec,
    active_type: &str,
    extra: &LayerExtra,
) -> Result<usize> {
    check(
        ["rnorm", "cmrnorm-projection", "cross-channel-norm"].contains(&norm.norm_type.as_str()),
        || {
            format!(
                "norm-type {} is not in [rnorm, cmrnorm-projection, cross-channel-norm]",
                norm.norm_type
            )
        },
    )?;
    let added = b.add_layer(name, "norm", 0, vec![input], active_type, extra)?;
    let idx = added.index;
    let input_name = b.layer_at(idx).inputs[0].input_layer_name.clone();
    let (x, y) = img_size(b, &input_name, norm.channels)?;
    let scale = if norm.norm_type == "cmrnorm-projection" {
        norm.scale / norm.size as f64
    } else {
        norm.scale / (norm.size as f64 * norm.size as f64)
    };
    let conf = NormConfig {
        norm_type: norm.norm_type.clone(),
        channels: norm.channels,
        size: norm.size,
        scale: Real::Float(scale),
        pow: norm.pow,
        output_x: x,
        img_size: x,
        blocked: Some(norm.blocked),
        output_y: Some(y),
        img_size_y: Some(y),
    };
    b.layer_at_mut(idx).inputs[0].norm_conf = Some(conf);
    b.set_cnn_layer(idx, y as u64, x as u64, norm.channels as u64)?;
    if norm.norm_type == "cross-channel-norm" {
        b.create_input_parameter(
            &added,
            0,
            norm.channels as u64,
            vec![norm.channels as u64, 1],
        )?;
    }
    Ok(idx)
}

pub struct BatchNormLayer {
    pub name: String,
    pub layer_type: String,
    pub input: InputSpec,
    pub channels: u32,
    pub img3d: bool,
    pub bias: Option<ParamAttrs>,
    pub use_global_stats: Option<bool>,
    pub moving_average_fraction: Real,
    pub epsilon: Real,
    pub mean_var_names: Option<(String, String)>,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn batch_norm_layer(b: &mut Builder, l: BatchNormLayer) -> Result<usize> {
    // The moving mean and variance are two more "inputs" reading the same layer, with static,
    // shared parameters that training never updates.
    let stat = |name: Option<String>| {
        InputSpec::with_param(
            l.input.layer.clone(),
            ParamAttrs {
                parameter_name: name,
                initial_std: Some(Real::Float(0.0)),
                initial_mean: Some(Real::Float(0.0)),
                is_static: Some(true),
                is_shared: Some(true),
                ..Default::default()
            },
        )
    };
    let (mean_name, var_name) = match &l.mean_var_names {
        Some((m, v)) => (Some(m.clone()), Some(v.clone())),
        None => (None, None),
    };
    let inputs = vec![l.input.clone(), stat(mean_name), stat(var_name)];
    let added = b.add_layer(&l.name, &l.layer_type, 0, inputs, &l.active_type, &l.extra)?;
    let idx = added.index;
    {
        let layer = b.layer_at_mut(idx);
        layer.use_global_stats = l.use_global_stats;
        layer.moving_average_fraction = Some(l.moving_average_fraction);
        layer.epsilon = Some(l.epsilon);
    }
    let input_name = b.layer_at(idx).inputs[0].input_layer_name.clone();
    let (iw, ih) = {
        let input = b.layer(&input_name)?;
        (input.width.unwrap_or(0), input.height.unwrap_or(0))
    };
    let image_conf = if l.img3d {
        let (x, y, z) = img3d_size(b, &input_name, l.channels)?;
        ImageConfig {
            channels: l.channels,
            img_size: x,
            img_size_y: Some(y),
            img_size_z: Some(z),
        }
    } else {
        let (x, y) = img_size(b, &input_name, l.channels)?;
        ImageConfig {
            channels: l.channels,
            img_size: x,
            img_size_y: Some(y),
            img_size_z: None,
        }
    };
    b.layer_at_mut(idx).inputs[0].image_conf = Some(image_conf.clone());
    if iw != 0 || ih != 0 {
        b.set_cnn_layer_3d(
            idx,
            image_conf.img_size_z.unwrap_or(1) as u64,
            image_conf.img_size_y.unwrap_or(0) as u64,
            image_conf.img_size as u64,
            image_conf.channels as u64,
        )?;
    } else {
        let size = b.layer(&input_name)?.size();
        b.set_layer_size(idx, size)?;
    }
    let psize = l.channels as u64;
    b.create_input_parameter(&added, 0, psize, vec![])?;
    b.create_input_parameter(&added, 1, psize, vec![1, psize])?;
    b.create_input_parameter(&added, 2, psize, vec![1, psize])?;
    b.create_bias_parameter(idx, l.bias.as_ref(), psize, None, true)?;
    Ok(idx)
}

/// `parse_image`: the ImageConfig of `channels` deep images in `input_layer`.
pub fn parse_image(b: &Builder, input_layer: &str, channels: u32) -> Result<ImageConfig> {
    let (x, y) = img_size(b, input_layer, channels)?;
    Ok(ImageConfig {
        channels,
        img_size: x,
        img_size_y: Some(y),
        img_size_z: None,
    })
}
