//! SSD and Fast R-CNN layers: prior boxes, the multibox loss, detection output, ROI pooling.

use super::args::*;
use super::build::*;
use super::objects::*;
use super::state::State;
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::{DetectionOutputConfig, MultiBoxLossConfig, ROIPoolConfig, Real};
use std::rc::Rc;

fn detection_inputs(a: &Bound, f: &str) -> Result<(Vec<Value>, Vec<Value>), EvalError> {
    let loc = a.arg_layers("input_loc")?;
    let conf = a.arg_layers("input_conf")?;
    if loc.len() != conf.len() {
        return Err(EvalError::value_error(format!(
            "{f}(): {} input_loc layers but {} input_conf layers",
            loc.len(),
            conf.len()
        )));
    }
    Ok((loc, conf))
}

fn multibox_loss_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "multibox_loss_layer";
    let name = layer_name(st, &a, "multibox_loss")?;
    let (loc, conf) = detection_inputs(&a, f)?;
    a.arg_layer("priorbox")?;
    a.arg_layer("label")?;
    let mut inputs = vec![a.arg("priorbox")?.clone(), a.arg("label")?.clone()];
    inputs.extend(loc.iter().cloned());
    inputs.extend(conf.iter().cloned());
    let num_classes = a.arg_uint("num_classes")?;
    let background = a.arg_uint("background_id")?;
    if num_classes <= background {
        return Err(EvalError::value_error(
            "Classes number must greater than background ID",
        ));
    }
    let c = MultiBoxLossConfig {
        num_classes: num_classes as u32,
        overlap_threshold: a.arg_real("overlap_threshold")?,
        neg_pos_ratio: a.arg_real("neg_pos_ratio")?,
        neg_overlap: a.arg_real("neg_overlap")?,
        background_id: background as u32,
        input_num: loc.len() as u32,
        height: None,
        width: None,
    };
    with_layer(
        st,
        &name,
        "multibox_loss",
        0,
        inputs.iter().map(spec).collect(),
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).inputs[0].multibox_loss_conf = Some(c);
            b.layer_at_mut(added.index).size = Some(1);
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "multibox_loss", Some(1))
        .with_parents(inputs)
        .value())
}

fn detection_output_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "detection_output_layer";
    let name = layer_name(st, &a, "detection_output")?;
    let (loc, conf) = detection_inputs(&a, f)?;
    a.arg_layer("priorbox")?;
    let mut inputs = vec![a.arg("priorbox")?.clone()];
    inputs.extend(loc.iter().cloned());
    inputs.extend(conf.iter().cloned());
    let num_classes = a.arg_uint("num_classes")?;
    let background = a.arg_uint("background_id")?;
    if num_classes <= background {
        return Err(EvalError::value_error(
            "Classes number must greater than background ID",
        ));
    }
    let keep = a.arg_uint("keep_top_k")?;
    let c = DetectionOutputConfig {
        num_classes: num_classes as u32,
        nms_threshold: a.arg_real("nms_threshold")?,
        nms_top_k: a.arg_uint("nms_top_k")? as u32,
        background_id: background as u32,
        input_num: loc.len() as u32,
        keep_top_k: keep as u32,
        confidence_threshold: a.arg_real("confidence_threshold")?,
        height: None,
        width: None,
    };
    let size = keep * 7;
    with_layer(
        st,
        &name,
        "detection_output",
        0,
        inputs.iter().map(spec).collect(),
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).inputs[0].detection_output_conf = Some(c);
            b.layer_at_mut(added.index).size = Some(size);
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "detection_output", Some(size))
        .with_parents(inputs)
        .value())
}

fn priorbox_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "priorbox_layer";
    let name = layer_name(st, &a, "priorbox")?;
    let input = a.arg_layer("input")?;
    let image = a.arg_layer("image")?;
    let reals = |k: &str| -> Result<Vec<Real>, EvalError> {
        items(a.arg(k)?).iter().map(|v| real_arg(v, f, k)).collect()
    };
    let uints = |k: &str| -> Result<Vec<u32>, EvalError> {
        items(a.arg(k)?)
            .iter()
            .map(|v| uint_arg(v, f, k).map(|u| u as u32))
            .collect()
    };
    let (aspect, variance, min_size, max_size) = (
        reals("aspect_ratio")?,
        reals("variance")?,
        uints("min_size")?,
        uints("max_size")?,
    );
    if variance.len() != 4 {
        return Err(EvalError::value_error(
            "priorbox_layer(): The variance must have 4 inputs",
        ));
    }
    let num_filters = (aspect.len() as u64 * 2 + 1 + max_size.len() as u64) * 4;
    let channels = channels_of(input, &Value::None, f)?;
    let size = input.size.get().unwrap_or(0) / channels.max(1) * num_filters * 2;
    let image_name = image.name.clone();
    with_layer(
        st,
        &name,
        "priorbox",
        0,
        vec![a.arg_spec("input")?, a.arg_spec("image")?],
        "",
        &Default::default(),
        |b, added| {
            let img = b.input_layer(added.index, 1).clone();
            crate::graph::builder::check(img.r#type == "data", || {
                format!("Expecting the second input layer of an priorbox layer ('{image_name}') to be a data layer")
            })?;
            crate::graph::builder::check(
                img.width.unwrap_or(0) > 0 && img.height.unwrap_or(0) > 0,
                || "The data layer must set width and height".into(),
            )?;
            b.layer_at_mut(added.index).inputs[0].priorbox_conf =
                Some(crate::graph::PriorBoxConfig {
                    min_size,
                    max_size,
                    aspect_ratio: aspect,
                    variance,
                });
            b.layer_at_mut(added.index).size = Some(size);
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "priorbox", Some(size))
        .with_filters(Some(num_filters))
        .with_parents(vec![a.arg("input")?.clone(), a.arg("image")?.clone()])
        .value())
}

fn roi_pool_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "roi_pool_layer";
    let name = layer_name(st, &a, "roi_pool")?;
    let input = a.arg_layer("input")?;
    a.arg_layer("rois")?;
    let channels = channels_of(input, a.arg("num_channels")?, f)?;
    let (pw, ph) = (a.arg_uint("pooled_width")?, a.arg_uint("pooled_height")?);
    let scale = a.arg_real("spatial_scale")?;
    with_layer(
        st,
        &name,
        "roi_pool",
        0,
        vec![a.arg_spec("input")?, a.arg_spec("rois")?],
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).inputs[0].roi_pool_conf = Some(ROIPoolConfig {
                pooled_width: pw as u32,
                pooled_height: ph as u32,
                spatial_scale: scale,
                height: None,
                width: None,
            });
            b.set_cnn_layer(added.index, ph, pw, channels)
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "roi_pool", Some(channels * pw * ph))
            .with_parents(vec![a.arg("input")?.clone(), a.arg("rois")?.clone()])
            .value(),
    )
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("priorbox_layer", "input, image, aspect_ratio, variance, min_size, max_size=[], name=None", priorbox_layer),
    ("multibox_loss_layer", "input_loc, input_conf, priorbox, label, num_classes, overlap_threshold=0.5, neg_pos_ratio=3.0, neg_overlap=0.5, background_id=0, name=None", multibox_loss_layer),
    ("detection_output_layer", "input_loc, input_conf, priorbox, num_classes, nms_threshold=0.45, nms_top_k=400, keep_top_k=200, confidence_threshold=0.01, background_id=0, name=None", detection_output_layer),
    ("roi_pool_layer", "input, rois, pooled_width, pooled_height, spatial_scale, num_channels=None, name=None", roi_pool_layer),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
}
