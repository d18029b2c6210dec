//! recurrent_group against hand loops: memories (plain, boot layer, boot bias, const id),
//! StaticInput (rows and whole sequences), reversed groups, nested groups over
//! sub-sequences, sequences of different lengths in one batch (outputs back in the input's
//! order); lstmemory_group and gru_group against lstmemory and grumemory over the same
//! parameters, values and gradients; gradients through groups against finite differences.

use crate::support::*;

/// Three sequences of 2, 4 and 1 steps: unsorted, so the group must sort them by length and
/// put its outputs back.
const STARTS: [i64; 4] = [0, 2, 6, 7];

fn group_config(body: &str) -> String {
    format!(
        "from paddle.trainer_config_helpers import *\nsettings(learning_rate=1e-4, batch_size=10)\n{body}"
    )
}

/// Sets every parameter of `net` to deterministic values f32 holds exactly, scaled down so
/// the activations stay in their curved range; returns them by name.
fn set_all(net: &mut Network, model: &ModelConfig) -> Vec<(String, Vec<f64>)> {
    let mut out = Vec::new();
    for (k, p) in model.parameters.iter().enumerate() {
        let v: Vec<f64> = eighths(p.size as usize, k + 1)
            .iter()
            .map(|x| x * 0.5)
            .collect();
        set(net, &p.name, &v);
        out.push((p.name.clone(), v));
    }
    out
}

fn param<'a>(all: &'a [(String, Vec<f64>)], name: &str) -> &'a [f64] {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| {
            panic!(
                "no parameter {name}: {:?}",
                all.iter().map(|p| &p.0).collect::<Vec<_>>()
            )
        })
        .1
}

/// y[o] = sum_i x[i] W[i, o] for a Paddle [in, out] weight.
fn matvec(x: &[f64], w: &[f64], out: usize) -> Vec<f64> {
    (0..out)
        .map(|o| {
            x.iter()
                .enumerate()
                .map(|(i, xi)| xi * w[i * out + o])
                .sum()
        })
        .collect()
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

fn row(x: &[f64], width: usize, r: usize) -> &[f64] {
    &x[r * width..(r + 1) * width]
}

/// The rows of one sequence in the order a (reversed) group visits them.
fn visit(a: i64, b: i64, reversed: bool) -> Vec<usize> {
    let v: Vec<usize> = (a as usize..b as usize).collect();
    if reversed {
        v.into_iter().rev().collect()
    } else {
        v
    }
}

/// h_t = tanh(x_t W0 + h_{t-1} W1 + b) per sequence, from `boot` (per sequence) or zeros.
fn simple_rnn_ref(
    x: &[f64],
    starts: &[i64],
    w0: &[f64],
    w1: &[f64],
    b: &[f64],
    boot: Option<&dyn Fn(usize) -> Vec<f64>>,
    reversed: bool,
) -> Vec<f64> {
    let (xin, h) = (w0.len() / b.len(), b.len());
    let mut out = vec![0.0; (starts[starts.len() - 1] as usize) * h];
    for (s, w) in starts.windows(2).enumerate() {
        let mut hp = boot.map_or(vec![0.0; h], |f| f(s));
        for r in visit(w[0], w[1], reversed) {
            let pre = add(&add(&matvec(row(x, xin, r), w0, h), &matvec(&hp, w1, h)), b);
            hp = pre.iter().map(|v| v.tanh()).collect();
            out[r * h..(r + 1) * h].copy_from_slice(&hp);
        }
    }
    out
}

/// A memory and an fc over [input, memory]: the group's rows equal the hand loop's, in the
/// input's sequence order, forward and reversed, with three sequences of different lengths.
#[test]
fn simple_group_matches_a_hand_loop_forward_and_reversed() {
    for reversed in [false, true] {
        let cfg = group_config(&format!(
            "seq = data_layer(name='seq', size=3)
def step(s):
    m = memory(name='rnn', size=2)
    return fc_layer(input=[s, m], size=2, name='rnn', act=TanhActivation())
out = recurrent_group(step=step, input=seq, reverse={}, name='g')
outputs(out)
",
            if reversed { "True" } else { "False" }
        ));
        let model = model_from_text("group-simple", &cfg);
        let mut n = net_of(&model);
        let p = set_all(&mut n, &model);
        let x = ramp(21, 0.3);
        let fd = feed(vec![("seq", seq_dense(7, &x, &STARTS))]);
        let fwd = n.forward(&fd, Mode::Test).unwrap();
        let o = fwd.output("rnn").unwrap();
        assert_eq!(o.seq_starts.as_deref(), Some(&STARTS[..]));
        let want = simple_rnn_ref(
            &x,
            &STARTS,
            param(&p, "_rnn@g.w0"),
            param(&p, "_rnn@g.w1"),
            param(&p, "_rnn@g.wbias"),
            None,
            reversed,
        );
        // float64 throughout: only summation order differs from the loop.
        assert_close(&values(o.value.as_ref().unwrap()), &want, 1e-12);
    }
}

/// A non-sequence StaticInput (one row per sequence, read at every step) and a memory booted
/// from a layer; then the same with a boot bias through tanh.
#[test]
fn static_input_boot_layer_and_boot_bias_match_a_hand_loop() {
    let x = ramp(21, 1.1);
    let ctx = ramp(6, 0.7);
    let boot = ramp(6, 2.9);
    for boot_kind in ["layer", "bias"] {
        let boot_arg = if boot_kind == "layer" {
            "boot_layer=boot"
        } else {
            "boot_bias=ParamAttr(name='bb'), boot_bias_active_type=TanhActivation()"
        };
        let cfg = group_config(&format!(
            "seq = data_layer(name='seq', size=3)
ctx = data_layer(name='ctx', size=2)
boot = data_layer(name='boot', size=2)
def step(s, c):
    m = memory(name='rnn', size=2, {boot_arg})
    return fc_layer(input=[s, m, c], size=2, name='rnn', act=TanhActivation())
out = recurrent_group(step=step, input=[seq, StaticInput(input=ctx)], name='g')
outputs(out)
"
        ));
        let model = model_from_text("group-static", &cfg);
        let mut n = net_of(&model);
        let p = set_all(&mut n, &model);
        let fd = feed(vec![
            ("seq", seq_dense(7, &x, &STARTS)),
            ("ctx", dense(3, &ctx)),
            ("boot", dense(3, &boot)),
        ]);
        let got = output(&n, &fd, "rnn");
        let (w0, w1, w2, b) = (
            param(&p, "_rnn@g.w0"),
            param(&p, "_rnn@g.w1"),
            param(&p, "_rnn@g.w2"),
            param(&p, "_rnn@g.wbias"),
        );
        // The static input's term joins the bias: one row per sequence, at every step.
        let mut want = vec![0.0; 14];
        for (s, w) in STARTS.windows(2).enumerate() {
            let b_s = add(b, &matvec(row(&ctx, 2, s), w2, 2));
            let boot_s: Vec<f64> = if boot_kind == "layer" {
                row(&boot, 2, s).to_vec()
            } else {
                param(&p, "bb").iter().map(|v| v.tanh()).collect()
            };
            let one = simple_rnn_ref(
                &x[w[0] as usize * 3..w[1] as usize * 3],
                &[0, w[1] - w[0]],
                w0,
                w1,
                &b_s,
                Some(&|_| boot_s.clone()),
                false,
            );
            want[w[0] as usize * 2..w[1] as usize * 2].copy_from_slice(&one);
        }
        assert_close(&got, &want, 1e-12);
    }
}

/// A StaticInput that is a sequence is read whole at every step (attention reads the
/// encoder's sequence so): here summed and fed to the fc with the memory.
#[test]
fn static_sequence_input_is_read_whole_at_every_step() {
    let cfg = group_config(
        "seq = data_layer(name='seq', size=3)
enc = data_layer(name='enc', size=2)
def step(s, e):
    m = memory(name='rnn', size=2)
    pooled = pooling_layer(input=e, pooling_type=SumPooling())
    return fc_layer(input=[s, m, pooled], size=2, name='rnn', act=TanhActivation())
out = recurrent_group(step=step, input=[seq, StaticInput(input=enc)], name='g')
outputs(out)
",
    );
    let model = model_from_text("group-static-seq", &cfg);
    let mut n = net_of(&model);
    let p = set_all(&mut n, &model);
    let x = ramp(21, 0.5);
    // Encoder sequences of 1, 3 and 2 rows for the three input sequences.
    let enc_starts = [0i64, 1, 4, 6];
    let enc = ramp(12, 1.7);
    let fd = feed(vec![
        ("seq", seq_dense(7, &x, &STARTS)),
        ("enc", seq_dense(6, &enc, &enc_starts)),
    ]);
    let got = output(&n, &fd, "rnn");
    let (w0, w1, w2, b) = (
        param(&p, "_rnn@g.w0"),
        param(&p, "_rnn@g.w1"),
        param(&p, "_rnn@g.w2"),
        param(&p, "_rnn@g.wbias"),
    );
    let mut want = vec![0.0; 14];
    for (s, w) in STARTS.windows(2).enumerate() {
        let mut sum = vec![0.0; 2];
        for r in enc_starts[s] as usize..enc_starts[s + 1] as usize {
            sum = add(&sum, row(&enc, 2, r));
        }
        let b_s = add(b, &matvec(&sum, w2, 2));
        let one = simple_rnn_ref(
            &x[w[0] as usize * 3..w[1] as usize * 3],
            &[0, w[1] - w[0]],
            w0,
            w1,
            &b_s,
            None,
            false,
        );
        want[w[0] as usize * 2..w[1] as usize * 2].copy_from_slice(&one);
    }
    assert_close(&got, &want, 1e-12);
}

/// A memory of ids booted with boot_with_const_id: step 0 embeds that id, later steps the
/// id the previous step chose (maxid), as generation feeds its words back.
#[test]
fn boot_with_const_id_feeds_ids_back_through_the_memory() {
    let cfg = group_config(
        "seq = data_layer(name='seq', size=3)
def step(s):
    prev = memory(name='pick', size=4, boot_with_const_id=2)
    e = embedding_layer(input=prev, size=3, param_attr=ParamAttr(name='emb'))
    scores = fc_layer(input=[s, e], size=4, name='scores', act=SoftmaxActivation())
    return maxid_layer(input=scores, name='pick'), scores
out = recurrent_group(step=step, input=seq, name='g')
outputs(out[1])
",
    );
    let model = model_from_text("group-const-id", &cfg);
    let mut n = net_of(&model);
    let p = set_all(&mut n, &model);
    let x = ramp(21, 0.9);
    let fd = feed(vec![("seq", seq_dense(7, &x, &STARTS))]);
    let fwd = n.forward(&fd, Mode::Test).unwrap();
    let picks = Vec::<i64>::try_from(fwd.output("pick").unwrap().ids.as_ref().unwrap()).unwrap();
    let scores = values(fwd.output("scores").unwrap().value.as_ref().unwrap());
    let (w0, w1, b, emb) = (
        param(&p, "_scores@g.w0"),
        param(&p, "_scores@g.w1"),
        param(&p, "_scores@g.wbias"),
        param(&p, "emb"),
    );
    let (mut want_ids, mut want_scores) = (vec![0i64; 7], vec![0.0; 28]);
    for w in STARTS.windows(2) {
        let mut prev = 2usize;
        for r in w[0] as usize..w[1] as usize {
            let pre = add(
                &add(
                    &matvec(row(&x, 3, r), w0, 4),
                    &matvec(row(emb, 3, prev), w1, 4),
                ),
                b,
            );
            let m = pre.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = pre.iter().map(|v| (v - m).exp()).sum();
            let sm: Vec<f64> = pre.iter().map(|v| (v - m).exp() / z).collect();
            // maxid: the first maximum.
            let best = (0..4).fold(0, |bi, k| if sm[k] > sm[bi] { k } else { bi });
            want_scores[r * 4..r * 4 + 4].copy_from_slice(&sm);
            want_ids[r] = best as i64;
            prev = best;
        }
    }
    assert_eq!(picks, want_ids);
    assert_close(&scores, &want_scores, 1e-12);
}

/// A group over sub-sequences with a group inside: the inner memory boots from the outer
/// one, which remembers the last row of the previous sub-sequence's inner output. The output
/// is nested like the input.
#[test]
fn nested_group_over_subsequences_matches_a_hand_loop() {
    let cfg = group_config(
        "seq = data_layer(name='seq', size=3)
def outer_step(x):
    outer_mem = memory(name='outer_state', size=2)
    def inner_step(y):
        inner_mem = memory(name='inner_state', size=2, boot_layer=outer_mem)
        return fc_layer(input=[y, inner_mem], size=2, act=TanhActivation(), name='inner_state')
    inner = recurrent_group(step=inner_step, name='inner', input=x)
    last_seq(input=inner, name='outer_state')
    return inner
out = recurrent_group(name='outer', step=outer_step, input=SubsequenceInput(seq))
outputs(out)
",
    );
    let model = model_from_text("group-nested", &cfg);
    let mut n = net_of(&model);
    let p = set_all(&mut n, &model);
    // Sequence 0: sub-sequences of 2 and 1 rows; sequence 1: one of 1 row; sequence 2: three
    // of 1, 2 and 1 rows.
    let starts = [0i64, 3, 4, 8];
    let sub = [0i64, 2, 3, 4, 5, 7, 8];
    let x = ramp(24, 1.9);
    let mut arg = seq_dense(8, &x, &starts);
    arg.subseq_starts = Some(sub.to_vec());
    let fwd = n.forward(&feed(vec![("seq", arg)]), Mode::Test).unwrap();
    let o = fwd.output("inner_state").unwrap();
    assert_eq!(o.seq_starts.as_deref(), Some(&starts[..]));
    assert_eq!(o.subseq_starts.as_deref(), Some(&sub[..]));
    let (w0, w1, b) = (
        param(&p, "_inner_state@inner@outer.w0"),
        param(&p, "_inner_state@inner@outer.w1"),
        param(&p, "_inner_state@inner@outer.wbias"),
    );
    let mut want = vec![0.0; 16];
    for w in starts.windows(2) {
        let mut outer = vec![0.0; 2];
        for q in sub.windows(2).filter(|q| q[0] >= w[0] && q[1] <= w[1]) {
            let mut h = outer.clone();
            for r in q[0] as usize..q[1] as usize {
                let pre = add(&add(&matvec(row(&x, 3, r), w0, 2), &matvec(&h, w1, 2)), b);
                h = pre.iter().map(|v| v.tanh()).collect();
                want[r * 2..r * 2 + 2].copy_from_slice(&h);
            }
            outer = h;
        }
    }
    assert_close(&values(o.value.as_ref().unwrap()), &want, 1e-12);
}

/// Gradients by tensor name ("input" for the fed leaf).
type Grads = Vec<(String, Vec<f64>)>;

/// The loss sum(output * r) and its gradients with respect to the input and every parameter.
fn grads(net: &Network, fd: &Feed, input: &Tensor, outputs: &[&str]) -> (Vec<Vec<f64>>, Grads) {
    net.params().zero_grad();
    let mut g = input.grad();
    if g.defined() {
        let _ = g.zero_();
    }
    let fwd = net.forward(fd, Mode::Train).unwrap();
    let mut outs = Vec::new();
    let mut loss: Option<Tensor> = None;
    for (k, name) in outputs.iter().enumerate() {
        let v = fwd.output(name).unwrap().value.as_ref().unwrap();
        outs.push(values(v));
        let r = Tensor::from_slice(&ramp(v.numel(), 0.5 + k as f64)).view(v.size().as_slice());
        let term = (v * r).sum(Kind::Double);
        loss = Some(match loss {
            None => term,
            Some(l) => l + term,
        });
    }
    loss.unwrap().backward();
    let mut gs = vec![("input".to_string(), values(&input.grad()))];
    for p in net.params().trainable() {
        if let Some(g) = p.grad() {
            gs.push((p.name().to_string(), values(&g)));
        }
    }
    (outs, gs)
}

fn grad_of<'a>(gs: &'a [(String, Vec<f64>)], name: &str) -> &'a [f64] {
    &gs.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no gradient for {name}"))
        .1
}

/// lstmemory_group (mixed + lstm_step + get_output in a group) equals lstmemory over the same
/// parameters: its recurrent weight, and its 3H peepholes as lstmemory's bias after 4H zero
/// gate biases. Outputs and gradients (input, weight, peepholes) agree, forward and reversed.
#[test]
fn lstm_group_equals_lstmemory_values_and_gradients() {
    for reversed in ["False", "True"] {
        let cfg = group_config(&format!(
            "seq = data_layer(name='seq', size=3)
proj = fc_layer(input=seq, size=8, act=LinearActivation(), bias_attr=False, name='proj')
g = lstmemory_group(input=proj, size=2, name='lg', reverse={reversed})
l = lstmemory(input=proj, size=2, name='lm', reverse={reversed})
outputs(g, l)
"
        ));
        let model = model_from_text("group-lstm", &cfg);
        let mut n = net_of(&model);
        let p = set_all(&mut n, &model);
        let w = param(&p, "_lg_input_recurrent@lg_recurrent_group.w1").to_vec();
        let peep = param(&p, "_lg@lg_recurrent_group.wbias").to_vec();
        set(&mut n, "_lm.w0", &w);
        let bias: Vec<f64> = vec![0.0; 8].into_iter().chain(peep).collect();
        set(&mut n, "_lm.wbias", &bias);
        let x = Tensor::from_slice(&ramp(21, 0.2))
            .view([7, 3])
            .set_requires_grad(true);
        let mut arg = Arg::dense(x.shallow_clone());
        arg.seq_starts = Some(STARTS.to_vec());
        let fd = feed(vec![("seq", arg)]);
        let (og, gg) = grads(&n, &fd, &x, &["lg"]);
        let (ol, gl) = grads(&n, &fd, &x, &["lm"]);
        // Same cell, same float64 operations in a different grouping of rows.
        assert_close(&og[0], &ol[0], 1e-12);
        assert_close(grad_of(&gg, "input"), grad_of(&gl, "input"), 1e-12);
        assert_close(
            grad_of(&gg, "_lg_input_recurrent@lg_recurrent_group.w1"),
            grad_of(&gl, "_lm.w0"),
            1e-12,
        );
        assert_close(
            grad_of(&gg, "_lg@lg_recurrent_group.wbias"),
            &grad_of(&gl, "_lm.wbias")[8..],
            1e-12,
        );
        assert_close(grad_of(&gg, "_proj.w0"), grad_of(&gl, "_proj.w0"), 1e-12);
    }
}

/// gru_group (gru_step in a group) equals grumemory with the same weight and bias, outputs
/// and gradients, forward and reversed.
#[test]
fn gru_group_equals_grumemory_values_and_gradients() {
    for reversed in ["False", "True"] {
        let cfg = group_config(&format!(
            "seq = data_layer(name='seq', size=3)
proj = fc_layer(input=seq, size=6, act=LinearActivation(), bias_attr=False, name='proj')
g = gru_group(input=proj, size=2, name='gg', reverse={reversed})
m = grumemory(input=proj, size=2, name='gm', reverse={reversed})
outputs(g, m)
"
        ));
        let model = model_from_text("group-gru", &cfg);
        let mut n = net_of(&model);
        let p = set_all(&mut n, &model);
        set(&mut n, "_gm.w0", param(&p, "_gg@gg_recurrent_group.w0"));
        set(
            &mut n,
            "_gm.wbias",
            param(&p, "_gg@gg_recurrent_group.wbias"),
        );
        let x = Tensor::from_slice(&ramp(21, 0.8))
            .view([7, 3])
            .set_requires_grad(true);
        let mut arg = Arg::dense(x.shallow_clone());
        arg.seq_starts = Some(STARTS.to_vec());
        let fd = feed(vec![("seq", arg)]);
        let (og, gg) = grads(&n, &fd, &x, &["gg"]);
        let (om, gm) = grads(&n, &fd, &x, &["gm"]);
        assert_close(&og[0], &om[0], 1e-12);
        assert_close(grad_of(&gg, "input"), grad_of(&gm, "input"), 1e-12);
        assert_close(
            grad_of(&gg, "_gg@gg_recurrent_group.w0"),
            grad_of(&gm, "_gm.w0"),
            1e-12,
        );
        assert_close(
            grad_of(&gg, "_gg@gg_recurrent_group.wbias"),
            grad_of(&gm, "_gm.wbias"),
            1e-12,
        );
    }
}

/// Gradients through groups (memories, boot layer, boot bias, static inputs, nested groups,
/// lstm/gru steps) against central differences, on plain sequences of different lengths
/// (the random feed of `--job=checkgrad` gives every input sub-sequences, so it exercises
/// the nested path; this one the plain path).
#[test]
fn group_gradients_match_finite_differences() {
    let _rng = rng_lock();
    let cfg = group_config(
        "seq = data_layer(name='seq', size=3)
ctx = data_layer(name='ctx', size=2)
boot = data_layer(name='boot', size=2)
def step(s, c):
    m = memory(name='rnn', size=2, boot_layer=boot)
    mb = memory(name='rnn2', size=2, boot_bias=ParamAttr(name='bb'), boot_bias_active_type=TanhActivation())
    h = fc_layer(input=[s, m, c], size=2, name='rnn', act=TanhActivation())
    h2 = fc_layer(input=[h, mb], size=2, name='rnn2', act=SigmoidActivation())
    return h2
out = recurrent_group(step=step, input=[seq, StaticInput(input=ctx)], name='g', reverse=True)
proj = fc_layer(input=seq, size=8, act=LinearActivation(), bias_attr=False)
l = lstmemory_group(input=proj, size=2, name='lg')
proj3 = fc_layer(input=seq, size=6, act=LinearActivation(), bias_attr=False)
gr = gru_group(input=proj3, size=2, name='gg', reverse=True)
cost = sum_cost(input=addto_layer(input=[out, l, gr]))
outputs(cost)
",
    );
    let model = model_from_text("group-grad", &cfg);
    let net = net_of(&model);
    let (x, ctx, boot) = (leaf(7, 3, 0.1), leaf(3, 2, 0.6), leaf(3, 2, 1.4));
    let mut xs = Arg::dense(x.shallow_clone());
    xs.seq_starts = Some(STARTS.to_vec());
    let fd = feed(vec![
        ("seq", xs),
        ("ctx", Arg::dense(ctx.shallow_clone())),
        ("boot", Arg::dense(boot.shallow_clone())),
    ]);
    let checks = checkgrad_feed(
        &net,
        &fd,
        &[("seq", &x), ("ctx", &ctx), ("boot", &boot)],
        &CheckgradOptions::default(),
    );
    assert_eq!(checks.len(), model.parameters.len() + 3);
}

/// `--job=checkgrad` on models/checkgrad/recurrent_group.cfg (its random feed steps over
/// sub-sequences of one row).
#[test]
fn recurrent_group_config_passes_checkgrad() {
    checkgrad("recurrent_group");
}

fn build_error(tag: &str, body: &str) -> String {
    let model = model_from_text(tag, &group_config(body));
    match Network::build_with_kind(&model, Device::Cpu, Kind::Double, 1) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("{tag}: built"),
    }
}

const TWO_LINKS: &str = "a = data_layer(name='a', size=2)
b = data_layer(name='b', size=2)
def step(x, y):
    m = memory(name='h', size=2)
    return fc_layer(input=[x, y, m], size=2, name='h')
out = recurrent_group(step=step, input=[a, b], name='g')
outputs(out)
";

/// In links whose sequences differ, an in link without sequences that has not one row per
/// sequence, no sequence input at all, and sub-sequences that cross a sequence's end: each
/// fails the forward pass naming the group, the in link and what differs.
#[test]
fn inconsistent_inputs_fail_naming_the_group_and_the_link() {
    let model = model_from_text("group-links", &group_config(TWO_LINKS));
    let n = net_of(&model);
    let x = ramp(14, 0.1);
    let err = forward_error(
        &n,
        &feed(vec![
            ("a", seq_dense(7, &x, &STARTS)),
            ("b", seq_dense(7, &x, &[0, 3, 6, 7])),
        ]),
    );
    assert!(
        err.starts_with("layer 'g' (type 'recurrent_layer_group'): "),
        "{err}"
    );
    assert!(
        err.contains("in link 'b@g' has 3 sequences of [3, 3, 1] steps"),
        "{err}"
    );
    assert!(err.contains("in link 'a@g' has 3 of [2, 4, 1]"), "{err}");
    let err = forward_error(
        &n,
        &feed(vec![
            ("a", seq_dense(7, &x, &STARTS)),
            ("b", dense(2, &x[..4])),
        ]),
    );
    assert!(
        err.contains(
            "in link 'b@g' is not a sequence, so it needs one row per sequence (3), and has 2"
        ),
        "{err}"
    );
    let err = forward_error(&n, &feed(vec![("a", dense(7, &x)), ("b", dense(7, &x))]));
    assert!(
        err.contains("at least one in link of a recurrent group must be a sequence"),
        "{err}"
    );
    let mut nested = seq_dense(7, &x, &STARTS);
    nested.subseq_starts = Some(vec![0, 1, 3, 6, 7]);
    let err = forward_error(
        &n,
        &feed(vec![("a", nested), ("b", seq_dense(7, &x, &STARTS))]),
    );
    assert!(
        err.contains(
            "in link 'a@g': its sequence of rows 0..2 does not begin and end on sub-sequence \
             boundaries [0, 1, 3, 6, 7]"
        ),
        "{err}"
    );
}

/// A boot layer of the wrong size and a cost layer inside the step are refused when the
/// network is built, naming the group.
#[test]
fn bad_groups_are_refused_at_build() {
    let err = build_error(
        "group-boot-size",
        "a = data_layer(name='a', size=2)
boot = data_layer(name='boot', size=3)
def step(x):
    m = memory(name='h', size=2, boot_layer=boot)
    return fc_layer(input=[x, m], size=2, name='h')
outputs(recurrent_group(step=step, input=a, name='g'))
",
    );
    assert_eq!(
        err,
        "layer 'g' (type 'recurrent_layer_group'): memory 'h+delay1@g' has size 2, its boot \
         layer 'boot' has size 3"
    );
    let err = build_error(
        "group-cost",
        "a = data_layer(name='a', size=2)
lbl = data_layer(name='lbl', size=2)
def step(x, y):
    m = memory(name='h', size=2)
    h = fc_layer(input=[x, m], size=2, name='h')
    square_error_cost(input=h, label=y)
    return h
outputs(recurrent_group(step=step, input=[a, lbl], name='g'))
",
    );
    assert!(
        err.starts_with("layer 'g' (type 'recurrent_layer_group'): its step holds the cost layer"),
        "{err}"
    );
}

/// Nothing in the step pads finished sequences: a sequence of 1 step beside one of 4 gives
/// the same rows as when it runs alone (its memory is not touched by the other's steps).
#[test]
fn a_sequence_gives_the_same_rows_alone_and_in_a_batch() {
    let cfg = group_config(
        "seq = data_layer(name='seq', size=3)
def step(s):
    m = memory(name='rnn', size=2)
    return fc_layer(input=[s, m], size=2, name='rnn', act=TanhActivation())
outputs(recurrent_group(step=step, input=seq, name='g', reverse=True))
",
    );
    let model = model_from_text("group-alone", &cfg);
    let mut n = net_of(&model);
    set_all(&mut n, &model);
    let x = ramp(21, 0.4);
    let batch = output(&n, &feed(vec![("seq", seq_dense(7, &x, &STARTS))]), "rnn");
    for w in STARTS.windows(2) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        let alone = output(
            &n,
            &feed(vec![(
                "seq",
                seq_dense((b - a) as i64, &x[a * 3..b * 3], &[0, (b - a) as i64]),
            )]),
            "rnn",
        );
        assert_close(&batch[a * 2..b * 2], &alone, 1e-12);
    }
}
