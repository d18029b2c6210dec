//! Network building and feeding errors that name the layer.

use crate::support::*;

#[test]
fn unknown_layer_type_fails_at_build() {
    let m = model(
        r#"layers { name: "x" type: "data" size: 2 }
layers { name: "odd" type: "no_such_layer" size: 2 inputs { input_layer_name: "x" } }"#,
    );
    let err = Network::build(&m, Device::Cpu, 1).err().unwrap();
    assert!(matches!(err, RuntimeError::UnsupportedLayer { .. }));
    assert_eq!(
        err.to_string(),
        "layer 'odd' has type 'no_such_layer', which the runtime does not support"
    );
}

#[test]
fn bad_feeds_are_errors_naming_the_layer() {
    let n = net(r#"layers { name: "x" type: "data" size: 3 }
layers { name: "c" type: "sum_cost" size: 1 inputs { input_layer_name: "x" } }
output_layer_names: "c""#);
    let err = n.forward(&Feed::new(), Mode::Test).err().unwrap();
    assert_eq!(err.to_string(), "no input fed for data layer 'x'");
    let err = n
        .forward(&feed(vec![("x", dense(1, &[1.0, 2.0]))]), Mode::Test)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "data layer 'x': fed values of shape [1, 2], the layer has size 3"
    );
}

#[test]
fn wrong_parameter_size_fails_at_build() {
    let m = model(
        r#"layers { name: "x" type: "data" size: 2 }
layers { name: "f" type: "fc" size: 3 inputs { input_layer_name: "x" input_parameter_name: "w" } }
parameters { name: "w" size: 5 }"#,
    );
    let err = Network::build(&m, Device::Cpu, 1).err().unwrap();
    assert_eq!(
        err.to_string(),
        "layer 'f' (type 'fc'): parameter 'w' has size 5, the layer needs 6"
    );
}
